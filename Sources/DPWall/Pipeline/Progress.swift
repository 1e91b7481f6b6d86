import DPWallRecords

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// When to show the progress line (`--progress`).
public enum ProgressMode: String, Sendable, CaseIterable {
    /// Only when stderr is a terminal.
    case auto
    /// Always.
    case always
    /// Never.
    case never
}

/// A monotonic clock in seconds.
enum Clock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// The progress line on stderr: records/s, MB/s, denials, and for files the percentage and time left.
/// Redrawn at most four times a second, so it costs nothing on the hot path.
struct ProgressLine {
    private let enabled: Bool
    private let started: Double
    private var lastDrawn = 0.0
    private var drawn = false

    init(mode: ProgressMode, started: Double) {
        switch mode {
        case .always: enabled = true
        case .never: enabled = false
        case .auto: enabled = isatty(2) == 1
        }
        self.started = started
    }

    mutating func update(_ counts: DecisionCounts, consumed: Int, total: Int?, force: Bool = false) {
        guard enabled else { return }
        let now = Clock.now()
        guard force || now - lastDrawn >= 0.25 else { return }
        lastDrawn = now
        let elapsed = max(now - started, 1e-9)
        var line =
            "\r\(counts.records) records  \(Int(Double(counts.records) / elapsed)) rec/s  "
            + "\(format(Double(counts.bytes) / elapsed / 1e6)) MB/s  \(counts.deniedTotal) denied"
        if let total, total > 0, consumed <= total {
            let fraction = Double(consumed) / Double(total)
            let left = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            line += "  \(Int(fraction * 100))%  \(Int(left))s left"
        }
        line += "\u{1B}[K"
        FileHandleStderr.write(line)
        drawn = true
    }

    /// Clears the line before the summary.
    mutating func finish() {
        if drawn { FileHandleStderr.write("\r\u{1B}[K") }
        drawn = false
    }

    private func format(_ value: Double) -> String {
        String(Double(Int(value * 10)) / 10)
    }
}

/// Unbuffered writes to stderr.
public enum FileHandleStderr {
    /// Writes `text` to stderr.
    public static func write(_ text: String) {
        var text = text
        // Nothing to do when stderr cannot be written: the message has nowhere else to go.
        text.withUTF8 { bytes in try? SystemCall.writeAll(2, UnsafeRawBufferPointer(bytes)) }
    }
}
