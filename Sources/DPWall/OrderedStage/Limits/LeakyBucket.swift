import DPWallStore

/// nginx's `limit_req` on event time, in its own integer arithmetic (policy.md, `rate` and `burst`).
///
/// The state is an excess in milli-requests and the time it was last moved (`ngx_http_limit_req_lookup` in
/// `src/http/modules/ngx_http_limit_req_module.c`): a request at `now` computes
/// `excess = max(0, excess − rate·ms/1000 + 1000)`, with `ms = now − last` (any step back counts as 0 ms, where
/// nginx counts one of more than 60 s as 1 ms: see ``look(_:now:)``), and is rejected when `excess` exceeds
/// `burst·1000`. A rejected request changes nothing; an accepted one stores `excess`, and `now` when `ms ≠ 0`.
/// A client never seen starts at 0, so its first request passes. `rate` is in milli-requests per second, as
/// nginx keeps it (`10r/s` = 10000, `1r/m` = 16).
///
/// With several limits (the client's and the global one), a request must pass all of them, and only then are
/// all updated (nginx's `ngx_http_limit_req_account`).
struct LeakyBucket: Sendable, Equatable {
    /// Milli-requests per second (≥ 1).
    var rate: Int64
    /// The burst in milli-requests.
    var burst: Int64

    /// The bucket of `rate` (requests per second) and `burst` (requests).
    init(requestsPerSecond: Double, burst: Int) {
        // A policy's rate is count/seconds in binary64 (7/m = 0.1166…): the nudge keeps a rate that is a whole
        // number of milli-requests from rounding down to the one below, so the result is nginx's count·1000/seconds.
        rate = max(1, Int64(min(requestsPerSecond * 1000 * (1 + 1e-12), 9e15).rounded(.down)))
        self.burst = Int64(burst) * 1000
    }

    init(rate: Int64, burst: Int64) {
        self.rate = rate
        self.burst = burst
    }

    /// The outcome of looking at a request at `now`: the excess it would leave, and whether it passes.
    struct Look: Sendable, Equatable {
        var excess: Int64
        var ms: Int64
        var passes: Bool
    }

    /// Looks at a request at `now` (milliseconds since 1970) without changing `state`.
    func look(_ state: LimitState, now: Int64) -> Look {
        guard state.rateSeen else { return Look(excess: 0, ms: 0, passes: true) }
        // Event time is the client's to write: any step back counts as no time at all, and `last` never moves
        // back. (nginx counts a step back of more than 60 s as 1 ms and stores the earlier time, which a clock
        // that went back needs; on event time, alternating `ts` a minute either side of the present emptied the
        // bucket on every other record.)
        var ms = now &- state.rateLast
        if ms < 0 { ms = 0 }
        // rate·ms cannot overflow for any rate below 9e15 and a gap below 1000 years; clamp beyond that. The
        // excess read from a ledger may be anything: the sums saturate.
        let drained = ms > (Int64.max / 2) / rate ? Int64.max / 2 : rate * ms / 1000
        var excess = state.rateExcess.subtractingSaturating(drained).addingSaturating(1000)
        if excess < 0 { excess = 0 }
        return Look(excess: excess, ms: ms, passes: excess <= burst)
    }

    /// Accepts a request that `look` passed: stores its excess, and its time when it moved on.
    func accept(_ look: Look, now: Int64, into state: inout LimitState) {
        state.rateExcess = look.excess
        if look.ms != 0 || !state.rateSeen { state.rateLast = now }
        state.rateSeen = true
    }

    /// Milliseconds from `now` until a request would pass again (0 when it passes now).
    func retryAfter(_ state: LimitState, now: Int64) -> Int64 {
        guard state.rateSeen else { return 0 }
        // Passing needs rate·ms/1000 ≥ excess + 1000 − burst, i.e. ms ≥ ⌈(excess + 1000 − burst)·1000 / rate⌉.
        let needed = state.rateExcess.addingSaturating(1000).subtractingSaturating(burst)
        guard needed > 0 else { return 0 }
        let (scaled, overflow) = needed.multipliedReportingOverflow(by: 1000)
        let wait = overflow ? Int64.max / rate : scaled.addingSaturating(rate - 1) / rate
        let elapsed = max(0, now.subtractingSaturating(state.rateLast))
        return max(0, wait - elapsed)
    }
}
