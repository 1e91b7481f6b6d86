import Benchmark
import DPWallPrivacy

/// The samplers and one 1000-class row, secure randomness included (the default AES-CTR generator). Targets:
/// discrete Laplace ≥ 30 M samples/s, discrete Gaussian ≥ 15 M samples/s, a 1000-class row ≤ 60 µs.
func privacyBenchmarks() {
    let samples = 1_000_000
    // Scales as the grid makes them: about 2^40 steps.
    Benchmark("discrete Laplace, t = 2^40 (1M samples)") { benchmark in
        var random = try KeystreamGenerator()
        let sampler = DiscreteLaplace(scale: 1 << 40)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var sum: Int64 = 0
            for _ in 0..<samples { sum &+= sampler.sample(&random) }
            blackHole(sum)
        }
    }
    Benchmark("discrete Gaussian, sigma = 1.3·2^40 (1M samples)") { benchmark in
        var random = try KeystreamGenerator()
        let sampler = DiscreteGaussian(sigma: 1.3 * 0x1p40)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var sum: Int64 = 0
            for _ in 0..<samples { sum &+= sampler.sample(&random) }
            blackHole(sum)
        }
    }
    // One 1000-class probability row through the whole release: clamp, simplex projection, snap, noise, clamp,
    // normalize, top-5, round. One iteration privatizes 1000 rows; µs per row = ms per iteration.
    for mechanism in [NoiseCalibration.Mechanism.gaussian, .laplace] {
        Benchmark("1000-class row, \(mechanism.rawValue) (1000 rows)") { benchmark in
            var random = try KeystreamGenerator()
            let calibration = NoiseCalibration(
                mechanism: mechanism, epsilon: 1, delta: mechanism == .gaussian ? 1e-6 : 0,
                sensitivity: mechanism == .gaussian ? 2.0.squareRoot() : 2, rowLength: 1000, largestValue: 1)
            let privatizer = OutputPrivatizer(
                calibration: calibration, clamp: 0...1, normalize: true, topK: 5, round: 3, projectToSimplex: true)
            let raw = (0..<1000).map { Double($0 % 17) / 170 }
            var row = raw
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for _ in 0..<1000 {
                    row.withUnsafeMutableBufferPointer { values in
                        for i in values.indices { values[i] = raw[i] }
                        blackHole(privatizer.release(values, &random))
                    }
                }
            }
        }
    }
}

/// The accountant's check of one record (issue 4: the ledger must sustain ≥ 250k charged records/s): ε spent
/// after adding one row, under RDP, for a client with Laplace and Gaussian releases (RDP path) and for one with
/// Gaussian releases only (the exact composition). One iteration checks 10,000 records.
func accountantBenchmarks() {
    for mixed in [true, false] {
        Benchmark("accountant rdp check, \(mixed ? "Laplace + Gaussian" : "Gaussian only") (10k records)") {
            benchmark in
            let accountant = Accountant(method: .rdp, laplaceEpsilons: [0.5], deltas: [1e-6])
            var account = PrivacyAccount()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var spent = 0.0
                for n in 0..<10_000 {
                    account.add(
                        mixed && n % 2 == 0 ? .laplace(epsilon: 0.5) : .gaussian(mu: 0.05, epsilon: 0.2, delta: 1e-9))
                    spent = max(spent, accountant.epsilon(account, delta: 1e-6))
                }
                blackHole(spent)
            }
        }
    }
}
