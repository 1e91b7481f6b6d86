import DPWallPrivacy
import DPWallRecords
import DPWallStore
import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension Policy {
    /// The largest policy file accepted, in bytes (16 MiB).
    public static let maximumFileBytes = 16 << 20

    /// Reads and validates the policy file at `path` (YAML or JSON).
    ///
    /// - Throws: ``PolicyError`` naming the file and the `errno` text when it cannot be read, or every problem
    ///   found (each with its key path) when it does not validate.
    public static func load(path: String) throws(PolicyError) -> Policy {
        let bytes = try readFile(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PolicyError(path: path, message: "the policy file is not valid UTF-8")
        }
        return try parse(yaml: text, source: path)
    }

    /// Parses and validates a policy from its text (YAML or JSON); `source` names it in syntax errors.
    ///
    /// - Throws: ``PolicyError`` with every problem found, each with its key path.
    public static func parse(yaml: String, source: String) throws(PolicyError) -> Policy {
        guard yaml.utf8.count <= maximumFileBytes else {
            throw PolicyError(
                path: source,
                message: "the policy is \(yaml.utf8.count) bytes; the largest accepted is \(maximumFileBytes) bytes"
            )
        }
        guard let root = try compose(yaml, source: source) else {
            throw PolicyError(path: PolicyPath.root.description, message: "the policy is empty")
        }
        let diagnostics = PolicyDiagnostics()
        let decoder = PolicyDecoder(diagnostics: diagnostics)
        let policy = decoder.decodePolicy(YAMLValue(node: root, path: .root, diagnostics: diagnostics))
        if let error = diagnostics.error { throw error }
        return policy
    }

    /// Composes the document into nodes. Yams refuses a mapping with two equal keys; to report those with their
    /// key paths, the first of the two is renamed with ``YAMLValue/duplicateKeyMarker`` and the document is
    /// composed again, and the decoder reports the marked keys.
    private static func compose(_ yaml: String, source: String) throws(PolicyError) -> Node? {
        var text = yaml
        for attempt in 0..<PolicyDiagnostics.maximumProblems {
            do {
                return try Yams.compose(yaml: text)
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                guard let marked = markKey(in: text, at: context.mark, prefix: YAMLValue.duplicateKeyPrefix(attempt))
                else {
                    let keys = duplicates.map { YAMLValue.quoted($0) }.joined(separator: ", ")
                    throw PolicyError(path: "\(source):\(context.mark)", message: "duplicate key \(keys)")
                }
                text = marked
            } catch let error as YamlError {
                throw syntaxError(error, source: source)
            } catch {
                throw PolicyError(path: source, message: "cannot parse: \(error)")
            }
        }
        throw PolicyError(path: source, message: "too many duplicate keys")
    }

    /// `text` with `prefix` inserted at the start of the plain or quoted key at `mark`.
    private static func markKey(in text: String, at mark: Mark, prefix: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let line = lines[mark.line - 1]
        let scalars = line.unicodeScalars
        guard
            let start = scalars.index(scalars.startIndex, offsetBy: mark.column - 1, limitedBy: scalars.endIndex),
            start < scalars.endIndex
        else { return nil }
        var position = start
        switch scalars[start] {
        case "\"", "'": position = scalars.index(after: start)
        case "*", "&", "!", "?", "[", "{", "|", ">", "%", "@", "`", "#", ",", " ", "\t": return nil
        default: break
        }
        var marked = line.unicodeScalars
        marked.insert(contentsOf: prefix.unicodeScalars, at: position)
        lines[mark.line - 1] = String(marked)
        return lines.joined(separator: "\n")
    }

    private static func syntaxError(_ error: YamlError, source: String) -> PolicyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            // The context's position only when it is not the problem's own (given once, as FILE:LINE:COLUMN).
            let where_ =
                context.map {
                    $0.mark.line == mark.line && $0.mark.column == mark.column
                        ? "\($0.text): " : "\($0.text) (line \($0.mark.line), column \($0.mark.column)): "
                } ?? ""
            return PolicyError(path: "\(source):\(mark)", message: "YAML syntax error: \(where_)\(problem)")
        case .reader(let problem, let offset, _, _):
            return PolicyError(
                path: source,
                message: "cannot read: \(problem)" + (offset.map { " at byte \($0)" } ?? "")
            )
        default:
            return PolicyError(path: source, message: "cannot parse: \(error)")
        }
    }

    /// The bytes of the file at `path`, refusing files over ``maximumFileBytes``.
    private static func readFile(_ path: String) throws(PolicyError) -> [UInt8] {
        let descriptor: Int32
        do throws(SystemCallError) {
            descriptor = try SystemCall.open(path, O_RDONLY | O_CLOEXEC)
        } catch {
            throw PolicyError(path: path, message: "cannot open the policy file: \(errnoText(error))")
        }
        defer { try? SystemCall.close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
            status.st_size > maximumFileBytes
        {
            throw tooLarge(path)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            do throws(SystemCallError) {
                count = try chunk.withUnsafeMutableBytes { raw in
                    Result { () throws(SystemCallError) in try SystemCall.read(descriptor, into: raw) }
                }.get()
            } catch {
                throw PolicyError(path: path, message: "cannot read the policy file: \(errnoText(error))")
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumFileBytes { throw tooLarge(path) }
        }
    }

    private static func tooLarge(_ path: String) -> PolicyError {
        PolicyError(path: path, message: "the policy file is larger than \(maximumFileBytes) bytes (16 MiB)")
    }

    private static func errnoText(_ error: SystemCallError) -> String {
        "\(error.reason) (errno \(error.code))"
    }
}

extension Policy {
    /// SHA-256 of the file at `path`, in hex ("" when it cannot be read): which policy decided, in the audit.
    public static func fileDigest(path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return Hex.encode(data.withUnsafeBytes { KeyedNoise.digest($0) })
    }
}
