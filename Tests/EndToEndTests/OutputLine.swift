import Foundation
import Testing

/// One output line of `dpwall filter`, parsed with `JSONSerialization` (an independent parser).
struct OutputLine {
    /// The raw line, without its newline.
    var raw: Data
    /// The parsed object.
    var object: [String: Any]

    /// Parses `raw`; nil when it is not one JSON object.
    init?(_ raw: Data) {
        guard let parsed = try? JSONSerialization.jsonObject(with: raw, options: []),
            let object = parsed as? [String: Any]
        else { return nil }
        self.raw = raw
        self.object = object
    }

    var text: String { String(decoding: raw, as: UTF8.self) }
    var id: String? { object["id"] as? String }
    var lineNumber: Int? { (object["line"] as? NSNumber)?.intValue }
    var error: [String: Any]? { object["error"] as? [String: Any] }
    var code: String? { error?["code"] as? String }
    var status: Int? { (error?["status"] as? NSNumber)?.intValue }
    var message: String? { error?["message"] as? String }
    var isAllowed: Bool { object["error"] == nil }
}

/// Parses every line of a run's standard output, recording a test issue for any line that is not a JSON object.
func parseOutput(_ result: DPWallResult, sourceLocation: SourceLocation = #_sourceLocation) -> [OutputLine] {
    #expect(
        result.stdoutEndsWithNewline, "standard output ends in the middle of a line", sourceLocation: sourceLocation)
    var parsed: [OutputLine] = []
    for (index, raw) in result.lines.enumerated() {
        if let line = OutputLine(raw) {
            parsed.append(line)
        } else {
            Issue.record(
                "output line \(index + 1) is not a JSON object: \(String(decoding: raw.prefix(300), as: UTF8.self))",
                sourceLocation: sourceLocation)
        }
    }
    return parsed
}

/// The counts in a summary line `dpwall: N records, A allowed, D denied (code n, …) in …`.
struct Summary: Equatable {
    var records: Int
    var allowed: Int
    var denied: Int
    var byCode: [String: Int]

    /// Parses the last line of standard error that starts with `dpwall: ` and names records.
    init?(stderr: String) {
        guard
            let line = stderr.split(separator: "\n").last(where: {
                $0.hasPrefix("dpwall: ") && $0.contains(" records, ")
            })
        else { return nil }
        let words = line.dropFirst("dpwall: ".count).split(separator: " ")
        guard words.count >= 6, let records = Int(words[0]), words[1] == "records,",
            let allowed = Int(words[2]), words[3] == "allowed,", let denied = Int(words[4]),
            words[5].hasPrefix("denied")
        else { return nil }
        self.records = records
        self.allowed = allowed
        self.denied = denied
        byCode = [:]
        // "… denied (too_large 1, malformed_json 2) in …": the codes follow "denied" directly.
        let afterDenied = line[line.range(of: " denied")!.upperBound...]
        if afterDenied.hasPrefix(" ("), let close = afterDenied.firstIndex(of: ")") {
            for part in afterDenied[afterDenied.index(afterDenied.startIndex, offsetBy: 2)..<close].split(
                separator: ",")
            {
                let pair = part.split(separator: " ")
                guard pair.count == 2, let count = Int(pair[1]) else { return nil }
                byCode[String(pair[0])] = count
            }
        }
    }

    init(records: Int, allowed: Int, denied: Int, byCode: [String: Int]) {
        self.records = records
        self.allowed = allowed
        self.denied = denied
        self.byCode = byCode
    }
}

extension String {
    /// This text as UTF-8 bytes.
    var bytes: Data { Data(utf8) }
}
