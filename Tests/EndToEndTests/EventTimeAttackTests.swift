import Crypto
import Foundation
import Testing

/// What an attack round on event time and redelivery found (issue 22), each reproduced against the binary.
@Suite("Event time and redelivery under attack")
struct EventTimeAttackTests {
    static let policy = """
        version: 1
        auth: { mode: trusted, default_tier: t }
        tiers:
          t: { models: "*", rate: 10/s, burst: 20 }
        models:
          m:
            inputs: [{ name: x, datatype: FP32, shape: [-1, 2] }]
            outputs: [{ name: y, datatype: FP32, shape: [-1, 1], privacy: { mechanism: none } }]

        """

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func codes(_ result: DPWallResult) -> [String] {
        result.lines.compactMap(OutputLine.init).map { $0.code ?? "allow" }
    }

    /// nginx counts a step back of more than 60 s as 1 ms and moves `last` back: on event time, `ts` a minute
    /// either side of the present, alternately, emptied the bucket on every other record.
    @Test("a client alternating ts a minute either side of now is rate limited like any other")
    func alternatingTimes() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let now = Self.now
        var input = ""
        for n in 0..<200 {
            input += LimitTests.record(id: "a\(n)", client: "c", ms: now + (n % 2 == 0 ? 55_000 : -55_000))
        }
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit"], stdin: Data(input.utf8),
            in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let codes = Self.codes(result)
        #expect(codes.count == 200)
        // Burst 20 and the first request: 21 at most pass at one instant; the 110 s between the two times drain
        // at most once, since `last` never moves back.
        let allowed = codes.filter { $0 == "allow" }.count
        #expect(allowed <= 21 + 20, "\(allowed) of 200 passed a rate of 10/s with burst 20")
        #expect(codes.filter { $0 == "rate_limited" }.count >= 150)
    }

    /// A shape of many dimensions made a message (and a remembered denial) of a megabyte.
    @Test("a denial quotes at most six dimensions of a shape from the input")
    func longShape() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let dims = Array(repeating: "1", count: 5000).joined(separator: ",")
        let record =
            #"{"id":"s1","ts":"\#(LimitTests.timestamp(Self.now))","client":"c","model":"m","request":"#
            + #"{"inputs":[{"name":"x","datatype":"FP32","shape":[1,2,\#(dims)],"data":[[1,2]]}]}}"# + "\n"
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "l.db", "--no-audit"], stdin: Data(record.utf8), in: scratch)
        let line = try #require(result.lines.compactMap(OutputLine.init).first)
        let message = try #require(line.message)
        #expect(line.code == "invalid_shape" || line.code == "invalid_tensor", "\(line.raw)")
        #expect(message.utf8.count < 400, "\(message.utf8.count) bytes: \(message.prefix(200))")
        #expect(message.contains("5002 dimensions"), "\(message)")
    }

    /// A replay of a capture stamped in 2030 on a live ledger stored its watermark there: every later record of
    /// the live stream was late_event.
    @Test(
        "replay on a ledger neither reads nor moves the stream's watermark; without --audit it refuses an archived ledger"
    )
    func replayWatermark() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let future = LimitTests.record(id: "f1", client: "c", ms: 1_893_456_000_000)
        let replay = try DPWall.run(
            ["replay", "--policy", policy, "--ledger", "l.db"], stdin: Data(future.utf8), in: scratch)
        #expect(replay.status == 0, "\(replay.stderrText)")
        let live = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "l.db", "--no-audit"],
            stdin: Data(LimitTests.record(id: "n1", client: "d", ms: Self.now).utf8), in: scratch)
        #expect(Self.codes(live) == ["allow"], "\(live.stdoutText)")
        // A replay of last year's capture on the live ledger is not late against the live stream.
        let old = LimitTests.record(id: "o1", client: "e", ms: Self.now - 365 * 86_400_000)
        let again = try DPWall.run(
            ["replay", "--policy", policy, "--ledger", "l.db"], stdin: Data(old.utf8), in: scratch)
        #expect(again.status == 0 && !again.stdoutText.contains("late_event"), "\(again.stdoutText)")

        let archived = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "a.db", "--audit", "audit"],
            stdin: Data(LimitTests.record(id: "n2", client: "d", ms: Self.now).utf8), in: scratch)
        #expect(archived.status == 0, "\(archived.stderrText)")
        let unaudited = try DPWall.run(
            ["replay", "--policy", policy, "--ledger", "a.db"], stdin: Data(old.utf8), in: scratch)
        #expect(unaudited.status == 65, "\(unaudited.stderrText)")
        #expect(unaudited.stderrText.contains("audit archive"), "\(unaudited.stderrText)")
    }

    /// With limits, the request-only record (checked before the model is called) and the record with its
    /// response share their id: the second was duplicate_id.
    @Test("a request-only record and its response record, same id, are two decisions")
    func requestThenResponse() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let ts = LimitTests.timestamp(Self.now)
        let request = #"{"inputs":[{"name":"x","datatype":"FP32","shape":[1,2],"data":[[1,2]]}]}"#
        let response = #"{"model_name":"m","outputs":[{"name":"y","datatype":"FP32","shape":[1,1],"data":[[0.5]]}]}"#
        let first = #"{"id":"r1","ts":"\#(ts)","client":"c","model":"m","request":\#(request)}"# + "\n"
        let second =
            #"{"id":"r1","ts":"\#(ts)","client":"c","model":"m","request":\#(request),"response":\#(response)}"#
            + "\n"
        let arguments = ["filter", "--policy", policy, "--ledger", "l.db", "--no-audit"]
        let result = try DPWall.run(arguments, stdin: Data((first + second).utf8), in: scratch)
        #expect(Self.codes(result) == ["allow", "allow"], "\(result.stdoutText)")
        // Each is redelivered as itself: the same two lines.
        let again = try DPWall.run(arguments, stdin: Data((first + second).utf8), in: scratch)
        #expect(again.stdout == result.stdout, "\(again.stdoutText)")
    }
}

extension EventTimeAttackTests {
    /// records.md, "Event time": a token is checked at `ts`, but never earlier than the wall clock less
    /// `allowed_lateness`; before, a token that expired at the start of 2026 passed on a record stamped before.
    @Test("a JWT that expired last year is refused on a record stamped inside its validity; replay keeps ts")
    func expiredTokenStampedBack() throws {
        let scratch = try TemporaryDirectory()
        let sample = try String(contentsOf: DPWall.sample("auth/jwt.jsonl"), encoding: .utf8)
        let lines = sample.split(separator: "\n").map(String.init)
        // The sample's expired token (exp 2026-01-01T01:00:00Z), stamped half an hour before it expired.
        let record = try #require(lines.count > 3 ? lines[3] : nil)
            .replacingOccurrences(of: "2026-11-27T10:00:03.000Z", with: "2026-01-01T00:30:00Z")
        let input = try scratch.write("in.jsonl", record + "\n")
        let policy = DPWall.sample("auth/jwt.yaml").path
        let filter = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit", input], in: scratch)
        let line = try #require(filter.lines.compactMap(OutputLine.init).first)
        #expect(line.code == "unauthenticated", "\(line.raw)")
        #expect(
            line.message?.contains("expired at 2026-01-01T01:00:00Z, before the wall clock less") == true,
            "\(line.raw)")
        // replay's clock is the capture's own: at its ts the token was valid.
        let replay = try DPWall.run(["replay", "--policy", policy, "--format", "json", input], in: scratch)
        #expect(replay.status == 0, "\(replay.stderrText)")
        #expect(replay.stdoutText.contains("\"allowed\" : 1,"), "\(replay.stdoutText)")
    }
}

extension EventTimeAttackTests {
    /// base64url without padding.
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// An EdDSA token signed with the sample's Ed25519 key (samples/auth/keys, public on purpose), for `acme`.
    static func sampleToken(notBefore: Int64, expires: Int64) throws -> String {
        let pem = try String(contentsOf: DPWall.sample("auth/keys/jwt-ed25519.SAMPLE.key.pem"), encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") && !$0.hasPrefix("#") }.joined()
        let der = try #require(Data(base64Encoded: body))
        // PKCS #8 of an Ed25519 key: the 32-byte seed ends it.
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        let header = base64URL(Data(#"{"alg":"EdDSA","kid":"sample-ed25519","typ":"JWT"}"#.utf8))
        let claims = base64URL(
            Data(
                (#"{"iss":"https://auth.example.com/","aud":"inference","nbf":\#(notBefore),"#
                    + #""exp":\#(expires),"sub":"acme","tier":"pro"}"#).utf8))
        let signature = try key.signature(for: Data("\(header).\(claims)".utf8))
        return "\(header).\(claims).\(base64URL(signature))"
    }

    /// A token not valid until 40 s from now passed on a record stamped 50 s ahead (within `max_event_skew`):
    /// credentials are checked no later than the wall clock.
    @Test("a JWT not valid yet is refused on a record stamped ahead, and passes once it is valid")
    func tokenNotYetValid() throws {
        let scratch = try TemporaryDirectory()
        let now = Self.now / 1000
        let sample = try String(contentsOf: DPWall.sample("auth/jwt.jsonl"), encoding: .utf8)
        let first = try #require(sample.split(separator: "\n").first.map(String.init))
        func record(_ token: String, ts: Int64) -> String {
            var line = first.replacingOccurrences(of: "2026-11-27T10:00:00.000Z", with: LimitTests.timestamp(ts * 1000))
            let start = try! #require(line.range(of: #""bearer":""#))
            let end = try! #require(line[start.upperBound...].firstIndex(of: "\""))
            line.replaceSubrange(start.upperBound..<end, with: token)
            return line + "\n"
        }
        let early = try Self.sampleToken(notBefore: now + 40, expires: now + 3600)
        let valid = try Self.sampleToken(notBefore: now - 60, expires: now + 3600)
        let input = try scratch.write("in.jsonl", record(early, ts: now + 50) + record(valid, ts: now + 50))
        let result = try DPWall.run(
            ["filter", "--policy", DPWall.sample("auth/jwt.yaml").path, "--ledger", ":memory:", "--no-audit", input],
            in: scratch)
        let lines = result.lines.compactMap(OutputLine.init)
        #expect(lines.map { $0.code ?? "ok" } == ["unauthenticated", "ok"], "\(result.stdoutText)")
        #expect(lines.first?.message?.contains("after the wall clock") == true, "\(lines.first?.raw ?? Data())")
    }
}
