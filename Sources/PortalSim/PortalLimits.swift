import B24Core

/// The portal's request limits: a leaky bucket per portal and an operating-time budget per method.
public struct PortalLimits: Sendable {
    /// Requests drained per second; 0 disables the bucket.
    public var rate: Double
    /// Bucket size: requests allowed in a burst before 503.
    public var burst: Double
    /// Operating seconds a method may use per 10-minute window; 0 disables the budget.
    public var operatingLimit: Double
    /// Seconds one HTTP request may run (its commands' operating time) before the portal cuts it
    /// with 504; 0 disables the cut.
    public var requestTimeLimit: Double

    private var level = 0.0
    private var lastDrain = 0.0
    /// Per method: one bucket of used seconds per minute (minute number → seconds).
    private var operating: [String: [Int64: Double]] = [:]

    /// Limits as the cloud sets them: 2 requests/s, burst 50, 480 operating seconds per method
    /// per 10 minutes (the documented example), requests cut at 60 s.
    public init(rate: Double = 2, burst: Double = 50, operatingLimit: Double = 480, requestTimeLimit: Double = 60) {
        self.rate = rate
        self.burst = burst
        self.operatingLimit = operatingLimit
        self.requestTimeLimit = requestTimeLimit
    }

    /// Admits one HTTP request at `now`, or answers 503 QUERY_LIMIT_EXCEEDED (not counted in the bucket).
    mutating func admitRequest(at now: Double) -> MethodError? {
        guard rate > 0 else { return nil }
        if lastDrain > 0 { level = max(0, level - (now - lastDrain) * rate) }
        lastDrain = now
        guard level + 1 <= burst else { return .queryLimit }
        level += 1
        return nil
    }

    /// Simulated execution seconds of one call, growing with its work: a base, each row returned,
    /// each id in its filter, and for a list asked with `start ≥ 0` a COUNT over the rows it matched.
    static func operatingCost(method: String, work: CallWork) -> Double {
        var cost = 0.005 + 0.004 * Double(work.rows) + 0.0005 * Double(work.filterIDs)
        if work.counted { cost += 0.02 + 0.00005 * Double(work.matched) }
        return cost
    }

    /// 429 OPERATION_TIME_LIMIT when `method` has used its budget in the last 10 minutes.
    mutating func checkOperating(method: String, at now: Double) -> MethodError? {
        guard operatingLimit > 0 else { return nil }
        return operatingState(method: method, at: now).used >= operatingLimit ? .operationTimeLimit : nil
    }

    /// Adds `seconds` of use to `method`'s current minute.
    mutating func recordOperating(method: String, seconds: Double, at now: Double) {
        let minute = Int64(now / 60)
        operating[method, default: [:]][minute, default: 0] += seconds
        operating[method] = operating[method]?.filter { $0.key > minute - 10 }
    }

    /// Seconds `method` used in the last 10 one-minute buckets, and when the oldest bucket expires.
    func operatingState(method: String, at now: Double) -> (used: Double, resetAt: Int64) {
        let minute = Int64(now / 60)
        let window = (operating[method] ?? [:]).filter { $0.key > minute - 10 }
        let oldest = window.keys.min() ?? minute
        return (window.values.reduce(0, +), (oldest + 10) * 60)
    }

    /// Forgets every recorded use (bucket and operating time).
    mutating func reset() {
        level = 0
        lastDrain = 0
        operating = [:]
    }
}

/// What one call did, for its operating cost.
struct CallWork: Sendable, Equatable {
    /// Rows (or items) it returned.
    var rows = 0
    /// Ids named in its filter (array values).
    var filterIDs = 0
    /// Whether it counted the rows it matched (`start ≥ 0` on a list).
    var counted = false
    /// Rows its filter matched (the `total` it reported).
    var matched = 0

    /// The work of `method` called with `params` that produced `outcome`.
    init(method: String, params: JSONObject, outcome: MethodOutcome) {
        let filter = ListQuery.parameter(params, "filter")?.objectValue ?? JSONObject()
        filterIDs = filter.values.reduce(0) { $0 + ($1.elements?.count ?? 0) }
        guard case .success(let result, let total, _) = outcome else { return }
        switch result {
        case .array(let rows): self.rows = rows.count
        case .object(let object):
            self.rows = (object["items"] ?? object["productRows"])?.elements?.count ?? 1
        default: self.rows = 1
        }
        let isList = method.hasSuffix(".list") || method == "user.get"
        counted = isList && ListQuery.startValue(params["start"]) >= 0
        matched = total ?? 0
    }
}
