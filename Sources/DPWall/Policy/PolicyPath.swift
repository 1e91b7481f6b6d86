/// A key path inside a policy document, as printed in errors: `models.fraud.outputs[0].privacy.epsilon`.
struct PolicyPath: Hashable, Sendable, CustomStringConvertible {
    /// The path of the whole document.
    static let root = PolicyPath(text: "")

    private(set) var text: String

    /// The path of `key` in the mapping at this path.
    func key(_ key: String) -> PolicyPath {
        PolicyPath(text: text.isEmpty ? key : "\(text).\(key)")
    }

    /// The path of element `index` of the list at this path.
    func index(_ index: Int) -> PolicyPath {
        PolicyPath(text: "\(text)[\(index)]")
    }

    var description: String { text.isEmpty ? "(top level)" : text }
}

/// Collects the problems found while reading a policy document.
final class PolicyDiagnostics {
    /// The most problems kept; the rest are counted.
    static let maximumProblems = 100
    /// The most nodes visited, so that YAML aliases cannot make a small file cost unbounded work.
    static let maximumNodes = 5_000_000

    private(set) var problems: [PolicyError.Problem] = []
    private var dropped = 0
    private var nodes = 0
    private var reportedNodeLimit = false

    /// Records a problem at `path`.
    func report(_ path: PolicyPath, _ message: String) {
        guard problems.count < Self.maximumProblems else {
            dropped += 1
            return
        }
        problems.append(PolicyError.Problem(path: path.description, message: message))
    }

    /// Counts `count` visited nodes; `false` (and a problem, once) when the document is too large when expanded.
    func visit(_ count: Int, at path: PolicyPath) -> Bool {
        nodes += count
        guard nodes > Self.maximumNodes else { return true }
        if !reportedNodeLimit {
            reportedNodeLimit = true
            report(path, "the document expands to more than \(Self.maximumNodes) nodes (aliases?)")
        }
        return false
    }

    /// The error to throw, or `nil` when nothing was reported.
    var error: PolicyError? {
        guard !problems.isEmpty else { return nil }
        var all = problems
        if dropped > 0 {
            all.append(PolicyError.Problem(path: "(policy)", message: "\(dropped) more problems not shown"))
        }
        return PolicyError(problems: all)
    }
}
