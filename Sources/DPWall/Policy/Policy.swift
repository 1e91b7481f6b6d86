public import DPWallPrivacy

/// A validated policy: who may call what, how inputs are checked and how outputs are privatized (policy.md).
///
/// Build one with ``Policy/load(path:)`` or ``Policy/parse(yaml:source:)``; both refuse anything that does not
/// validate, so a `Policy` value from them is always consistent (every named tier and model exists).
public struct Policy: Sendable {
    /// The policy format version; always 1.
    public var version: Int
    /// Extra envelope fields copied to the output as they are, in file order.
    public var passthrough: [String]
    /// Size limits on records (bytes, nesting depth, batch rows).
    public var limits: Limits
    /// How clients are identified and which tier they get.
    public var auth: Auth
    /// The tiers, in file order.
    public var tiers: [Tier] { didSet { tierIndex = Self.index(tiers, by: \.name) } }
    /// Per-client overrides of their tier, in file order.
    public var clients: [ClientOverride] { didSet { clientIndex = Self.index(clients, by: \.name) } }
    /// How the privacy cost of releases is composed (docs/privacy.md, "Budgets and the ledger").
    public var accounting: Accounting
    /// The models, in file order.
    public var models: [ModelSpec] { didSet { modelIndex = Self.index(models, by: \.name) } }

    private var tierIndex: [String: Int]
    private var clientIndex: [String: Int]
    private var modelIndex: [String: Int]

    /// Creates a policy from its parts, without validating them (use ``Policy/parse(yaml:source:)`` for that).
    public init(
        version: Int = 1,
        passthrough: [String] = [],
        limits: Limits = Limits(),
        auth: Auth = Auth(),
        tiers: [Tier] = [],
        clients: [ClientOverride] = [],
        accounting: Accounting = .rdp,
        models: [ModelSpec] = []
    ) {
        self.version = version
        self.passthrough = passthrough
        self.limits = limits
        self.auth = auth
        self.tiers = tiers
        self.clients = clients
        self.accounting = accounting
        self.models = models
        self.tierIndex = Self.index(tiers, by: \.name)
        self.clientIndex = Self.index(clients, by: \.name)
        self.modelIndex = Self.index(models, by: \.name)
    }

    /// The model named `name`, if the policy declares it.
    public func model(named name: String) -> ModelSpec? {
        modelIndex[name].map { models[$0] }
    }

    /// The tier named `name`, if the policy declares it.
    public func tier(named name: String) -> Tier? {
        tierIndex[name].map { tiers[$0] }
    }

    /// The override for the client named `name`, if the policy has one.
    public func clientOverride(named name: String) -> ClientOverride? {
        clientIndex[name].map { clients[$0] }
    }

    private static func index<T>(_ items: [T], by name: (T) -> String) -> [String: Int] {
        var result: [String: Int] = [:]
        for (position, item) in items.enumerated() where result[name(item)] == nil {
            result[name(item)] = position
        }
        return result
    }
}

extension Policy {
    /// How the privacy cost of many releases is composed into one `(epsilon, delta)` (docs/privacy.md, "Budgets and the ledger"):
    /// the accountants' own method, so the policy and the ledger cannot disagree on the choices.
    public typealias Accounting = AccountingMethod

    /// The envelope field names that `passthrough` may not repeat (records.md, "The envelope").
    public static let envelopeFieldNames: Set<String> = [
        "id", "ts", "client", "credentials", "model", "version", "request", "response", "privacy", "error",
    ]
}
