/// Why a policy could not be loaded: every problem found, each with the key path where it is.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    /// One problem at one place.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Where: a key path such as `models.fraud.outputs[0].privacy.epsilon`, `(top level)` for the whole
        /// document, or the file name (with `:line:column` for YAML syntax errors).
        public var path: String
        /// What is wrong, and the allowed values where that helps.
        public var message: String

        /// Creates a problem.
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        /// `path: message`.
        public var description: String { "\(path): \(message)" }
    }

    /// The problems, in the order they were found (document order, then cross-references); never empty.
    public var problems: [Problem]

    /// Creates an error from its problems.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// Creates an error with a single problem.
    public init(path: String, message: String) {
        self.problems = [Problem(path: path, message: message)]
    }

    /// One line per problem, `path: message`.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
