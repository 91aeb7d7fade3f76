/// The client's side of the portal's leaky bucket, shared by every concurrent worker, plus
/// per-method operating-time accounting.
///
/// Each request reserves a slot: free while the bucket has room, otherwise at the moment it
/// will have drained enough. A lone 503 counts as one more request in the bucket: it is one data
/// point against the client's estimate. A second 503 within the time a full bucket takes to
/// drain is a pattern (another application shares the portal): the bucket counts as full and the
/// drain rate by a fifth (down to a quarter after repeated 503s), recovering a tenth of the rate
/// with every success. After a 429 the method waits until the portal's reset.
public actor RateLimiter {
    /// Requests drained per second (0: no limit).
    public let rate: Double
    /// Requests allowed in a burst.
    public let burst: Double
    /// Operating seconds a method may use per 10 minutes before the client paces it (0: not tracked).
    public let operatingBudget: Double
    private let clock: any ClientClock
    private var level = 0.0
    private var lastUpdate: Double?
    private var slowdown = 1.0
    private var lastThrottled: Double?
    private var lastUsed: [String: Double] = [:]
    private var inFlight: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var refused: Set<String> = []
    private var methodBlockedUntil: [String: Double] = [:]
    private var waitObserver: (@Sendable (LimiterWait) -> Void)?

    /// A limiter for `rate` requests/s with `burst`; the defaults match a standard cloud portal.
    public init(rate: Double = 2, burst: Double = 50, operatingBudget: Double = 480, clock: any ClientClock) {
        self.rate = rate
        self.burst = max(1, burst)
        self.operatingBudget = operatingBudget
        self.clock = clock
    }

    /// Seconds the caller must wait before sending one request; the slot is reserved.
    public func reserve() -> Double {
        guard rate > 0 else { return 0 }
        let now = clock.now()
        drain(to: now)
        // One request of margin: the portal's bucket may already hold a request we did not see.
        let capacity = max(1, burst - 1)
        let wait = level + 1 <= capacity ? 0 : (level + 1 - capacity) / effectiveRate
        level += 1
        return wait
    }

    /// Waits for a request slot and for `methods` to be allowed again; a wait for a method's
    /// operating time of a few seconds or more is reported to the wait observer first.
    public nonisolated func acquire(methods: [String]) async throws {
        let wait = await reserve()
        try await clock.sleep(for: wait)
        for method in methods {
            let blocked = await blockedSeconds(method)
            if blocked > 0 {
                await reportWait(method: method, seconds: blocked)
                try await clock.sleep(for: blocked)
            }
        }
    }

    /// Receives every wait of `LimiterWait.reportedAfter` seconds or more for a method's operating
    /// time, before the wait begins (the run log says what it waits for instead of going quiet).
    public func observeWaits(_ observer: @escaping @Sendable (LimiterWait) -> Void) {
        waitObserver = observer
    }

    private func reportWait(method: String, seconds: Double) {
        guard seconds >= LimiterWait.reportedAfter, let waitObserver else { return }
        waitObserver(
            LimiterWait(
                method: method, seconds: seconds, used: lastUsed[method], budget: operatingBudget,
                resumesAt: clock.unixTime() + seconds))
    }

    /// The portal answered 503 QUERY_LIMIT_EXCEEDED: less room at once; full and slower if it repeats.
    public func noteThrottled() {
        let now = clock.now()
        drain(to: now)
        let repeated = lastThrottled.map { now - $0 < burst / max(rate, 0.001) } ?? false
        lastThrottled = now
        if repeated {
            level = max(level, burst)
            slowdown = max(0.25, slowdown * 0.8)
        } else {
            level += 1
        }
    }

    /// A request succeeded: the rate recovers gradually towards the configured one.
    public func noteSuccess() {
        slowdown = min(1, slowdown + 0.1)
    }

    /// Records a method's `time.operating` / `operating_reset_at` and, when known, what one request
    /// of it costs. Near its budget — within 10 %, or within what two more requests would use, since
    /// another worker's request may already be on its way — the method is paced until the reset so
    /// that it never reaches 429.
    public func noteOperating(method: String, used: Double, resetAt: Double?, requestCost: Double = 0) {
        lastUsed[method] = used
        guard operatingBudget > 0, let resetAt else { return }
        let margin = max(operatingBudget * 0.1, 2 * requestCost)
        guard used >= operatingBudget - margin else { return }
        block(method, untilUnix: resetAt)
    }

    /// Starts a request calling `methods`. A method that has used half its operating budget (or
    /// was ever refused with 429) runs one request at a time, so that each request is sent knowing what the
    /// previous one reported; pair every call with `finish(_:)`.
    public func start(_ methods: [String]) async {
        for method in methods.sorted() {
            while isHot(method), inFlight[method, default: 0] > 0 {
                await withCheckedContinuation { waiting[method, default: []].append($0) }
            }
            inFlight[method, default: 0] += 1
        }
    }

    /// Ends a request started with `start(_:)` (after its answer was noted).
    public func finish(_ methods: [String]) {
        for method in methods {
            inFlight[method] = max(0, inFlight[method, default: 1] - 1)
            if inFlight[method] == 0, let waiters = waiting.removeValue(forKey: method) {
                for waiter in waiters { waiter.resume() }
            }
        }
    }

    private func isHot(_ method: String) -> Bool {
        guard operatingBudget > 0 else { return false }
        return (lastUsed[method] ?? 0) >= operatingBudget * 0.5 || refused.contains(method)
            || methodBlockedUntil[method] != nil
    }

    /// The portal answered 429 for `method`: no call of it before `resetAt` (unix), or a minute.
    public func noteOperatingLimit(method: String, resetAt: Double?) {
        refused.insert(method)
        block(method, untilUnix: resetAt ?? clock.unixTime() + 60)
    }

    /// The drain rate in force now (lower after 503s).
    public var effectiveRate: Double {
        rate * slowdown
    }

    /// Seconds until `method` may be called (0 when it may).
    public func blockedSeconds(_ method: String) -> Double {
        guard let until = methodBlockedUntil[method] else { return 0 }
        let remaining = until - clock.unixTime()
        if remaining <= 0 { methodBlockedUntil[method] = nil }
        return max(0, remaining)
    }

    private func block(_ method: String, untilUnix: Double) {
        methodBlockedUntil[method] = max(methodBlockedUntil[method] ?? 0, untilUnix + 0.5)
    }

    private func drain(to now: Double) {
        if let lastUpdate { level = max(0, level - (now - lastUpdate) * effectiveRate) }
        lastUpdate = now
    }
}

/// A wait for a method's operating time to come back, as the run log reports it.
public struct LimiterWait: Sendable, Equatable {
    /// Waits shorter than this are not reported (seconds).
    public static let reportedAfter = 5.0
    /// The method waited for.
    public var method: String
    /// How long the wait is, seconds.
    public var seconds: Double
    /// Operating seconds the portal last said the method used in its 10-minute window.
    public var used: Double?
    /// The client's budget for it.
    public var budget: Double
    /// Unix time the method is called again.
    public var resumesAt: Double
}
