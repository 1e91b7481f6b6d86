import Testing

@testable import DPWall

@Suite("policy value syntax")
struct PolicyValueSyntaxTests {
    @Test(
        "rates",
        arguments: [("10/s", 10.0), ("600/m", 10), ("3600/h", 1), ("0.5/s", 0.5), ("1.5/m", 0.025)]
    )
    func rates(text: String, perSecond: Double) {
        #expect(PolicyValueSyntax.rate(text) == perSecond)
    }

    @Test(
        "malformed rates", arguments: ["10", "10/", "/s", "0/s", "-1/s", "1e3/s", "10/d", "10/ s", "1.2.3/s", ".5/s/s"])
    func badRates(text: String) {
        #expect(PolicyValueSyntax.rate(text) == nil)
    }

    @Test("quotas")
    func quotas() {
        #expect(PolicyValueSyntax.quota("10000/day") == Policy.Quota(requests: 10_000, window: .day))
        #expect(PolicyValueSyntax.quota("1/hour") == Policy.Quota(requests: 1, window: .hour))
        #expect(PolicyValueSyntax.quota("5/month") == Policy.Quota(requests: 5, window: .month))
        for bad in ["0/day", "1.5/day", "10/d", "10/week", "day", "-1/day", "99999999999999999999/day"] {
            #expect(PolicyValueSyntax.quota(bad) == nil, "\(bad)")
        }
    }

    @Test("budget windows")
    func windows() {
        #expect(PolicyValueSyntax.budgetWindow("lifetime") == .lifetime)
        #expect(PolicyValueSyntax.budgetWindow("1h") == .seconds(3_600))
        #expect(PolicyValueSyntax.budgetWindow("1d") == .seconds(86_400))
        #expect(PolicyValueSyntax.budgetWindow("7d") == .seconds(604_800))
        #expect(PolicyValueSyntax.budgetWindow("30d") == .seconds(2_592_000))
        #expect(PolicyValueSyntax.budgetWindow("36h") == .seconds(129_600))
        for bad in ["0d", "d", "1w", "1.5d", "-1d", "forever", "1 d", "9223372036854775807d"] {
            #expect(PolicyValueSyntax.budgetWindow(bad) == nil, "\(bad)")
        }
        #expect(Policy.BudgetWindow.seconds(129_600).text == "36h")
        #expect(Policy.BudgetWindow.seconds(2_592_000).text == "30d")
        #expect(Policy.BudgetWindow.lifetime.text == "lifetime")
    }

    @Test("durations")
    func durations() {
        #expect(PolicyValueSyntax.duration("30s") == 30)
        #expect(PolicyValueSyntax.duration("2m") == 120)
        #expect(PolicyValueSyntax.duration("1h") == 3_600)
        #expect(PolicyValueSyntax.duration("1.5") == 1.5)
        for bad in ["", "s", "-1s", "1d", "1 s", "soon"] {
            #expect(PolicyValueSyntax.duration(bad) == nil, "\(bad)")
        }
    }

    @Test("SHA-256 digests")
    func digests() {
        let digest = PolicyValueSyntax.sha256Digest(String(repeating: "0f", count: 32))
        #expect(digest == [UInt8](repeating: 0x0f, count: 32))
        #expect(PolicyValueSyntax.sha256Digest(String(repeating: "AB", count: 32))?.first == 0xab)
        #expect(PolicyValueSyntax.sha256Digest(String(repeating: "a", count: 63)) == nil)
        #expect(PolicyValueSyntax.sha256Digest(String(repeating: "a", count: 65)) == nil)
        #expect(PolicyValueSyntax.sha256Digest(String(repeating: "g", count: 64)) == nil)
    }

    @Test("model names")
    func modelNames() {
        for good in ["fraud", "a.b_c-1", "V2"] { #expect(PolicyValueSyntax.isModelName(good)) }
        for bad in ["", "a b", "a/b", "é", "a:b"] { #expect(!PolicyValueSyntax.isModelName(bad), "\(bad)") }
    }
}
