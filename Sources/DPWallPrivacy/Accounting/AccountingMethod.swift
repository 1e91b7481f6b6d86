/// How a client's releases compose (the policy's `accounting`).
public enum AccountingMethod: String, Sendable, CaseIterable {
    /// `ε = Σ εᵢ`, `δ = Σ δᵢ`.
    case basic
    /// RDP curves over dp_accounting's 156 default orders, converted by the same bound (the default).
    case rdp
    /// `ρ = Σ ρᵢ`, converted to ε(δ) by Canonne–Kamath–Steinke with α optimised continuously.
    case zcdp
}
