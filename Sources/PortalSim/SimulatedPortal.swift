import B24Core
import Foundation

/// The simulated Bitrix24 portal: data, methods, limits and counters, independent of HTTP.
///
/// Every call runs under one lock, so the portal is safe to share between server threads;
/// calls are short (no sleeping happens inside).
public final class SimulatedPortal: @unchecked Sendable {
    // Safe: all mutable state (`dataset`, `limits`, `stats`, `quirks`, `historyIDs`) is read and written only while holding `lock`.
    private let lock = NSLock()
    var dataset: PortalDataset
    var limits: PortalLimits
    var stats = SimStats()
    var quirks = PageQuirks()
    var access = PortalAccess()
    /// How the portal treats children and owner sets where the real API's behaviour is not verified.
    var behaviour = ChildBehaviour()
    /// Operating seconds of the request being served so far (the per-request time limit).
    var requestSeconds = 0.0
    /// Deleted leads with their children, as the portal's recycle bin keeps them.
    var recycleBin: [Int64: RecycledLead] = [:]
    /// Stage-history ids written but not visible yet (their transaction has not committed), and
    /// whether the next one written is held so.
    var heldHistory: Set<Int64> = []
    var holdsNextHistory = false
    /// The ids of `dataset.history`, in order; `nil` after history changed (rebuilt on the next list).
    var historyIDs: [Int64]?
    /// Where "now" comes from (DATE_MODIFY of writes, the `time` envelope, the limits).
    public let clock: any PortalClock

    /// A portal serving `dataset`, limited by `limits`, reading time from `clock`.
    public init(
        dataset: PortalDataset, limits: PortalLimits = PortalLimits(), clock: any PortalClock = SystemPortalClock()
    ) {
        self.dataset = dataset
        self.limits = limits
        self.clock = clock
    }

    /// Runs `body` with exclusive access to the portal's state.
    func locked<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// A copy of the current data, for tests that compare an export with what the portal holds.
    public var snapshot: PortalDataset {
        locked { dataset }
    }

    /// The paging quirks in force (none by default).
    public var pageQuirks: PageQuirks {
        get { locked { quirks } }
        set { locked { quirks = newValue } }
    }

    /// Who the webhook's user is and what it may see.
    public var accessRights: PortalAccess {
        get { locked { access } }
        set { locked { access = newValue } }
    }

    /// Where the real API's behaviour with lead children is not verified, which one this portal plays.
    public var childBehaviour: ChildBehaviour {
        get { locked { behaviour } }
        set { locked { behaviour = newValue } }
    }

    /// Counters of what the portal served.
    public var statistics: SimStats {
        locked { stats }
    }

    /// Calls one REST method (not `batch`) as an HTTP request would, including the rate limit
    /// and the operating-time limit, and counts it.
    public func call(_ method: String, _ params: JSONObject) -> MethodOutcome {
        locked {
            let now = clock.now()
            stats.httpRequests += 1
            if let refusal = limits.admitRequest(at: now) {
                stats.throttled += 1
                return .failure(refusal)
            }
            requestSeconds = 0
            let outcome: MethodOutcome
            if method.lowercased() == "batch" {
                stats.count(method: "batch")
                outcome = runBatch(params, now: now)
            } else {
                outcome = runCounted(method.lowercased(), params, now: now)
            }
            // The portal cuts a request that runs too long: what ran is done, the answer is lost.
            if limits.requestTimeLimit > 0, requestSeconds > limits.requestTimeLimit {
                stats.timeCuts += 1
                return .failure(.gatewayTimeout)
            }
            return outcome
        }
    }

    /// Changes data the way a user in the portal's web interface would: no rate limit, no
    /// operating time, not counted as REST traffic. For tests and benchmarks that churn data.
    public func perform(_ method: String, _ params: JSONObject) -> MethodOutcome {
        locked { run(method.lowercased(), params, now: clock.now()) }
    }

    /// Runs one method (top-level or inside a batch), applying its operating-time budget.
    func runCounted(_ method: String, _ params: JSONObject, now: Double) -> MethodOutcome {
        stats.count(method: method)
        if let blocked = limits.checkOperating(method: method, at: now) {
            stats.operatingRefusals += 1
            return .failure(blocked)
        }
        let outcome = run(method, params, now: now)
        let cost = PortalLimits.operatingCost(
            method: method, work: CallWork(method: method, params: params, outcome: outcome))
        limits.recordOperating(method: method, seconds: cost, at: now)
        stats.operatingSeconds += cost
        requestSeconds += cost
        return outcome
    }

    /// The `time` object of a response for a call that started at `start`.
    func timeObject(method: String?, start: Double, finish: Double) -> JSON {
        var object: JSONObject = [
            "start": .double(start), "finish": .double(finish), "duration": .double(finish - start),
            "processing": .double(max(0, finish - start - 0.0001)),
            "date_start": .string(dataset.time.format(Int64(start.rounded(.down)))),
            "date_finish": .string(dataset.time.format(Int64(finish.rounded(.down)))),
        ]
        if let method {
            let operating = limits.operatingState(method: method, at: finish)
            object["operating_reset_at"] = .int(operating.resetAt)
            object["operating"] = .double(operating.used)
        }
        return .object(object)
    }

    /// The `time` object for a response, read under the lock.
    public func responseTime(method: String?, start: Double) -> JSON {
        locked { timeObject(method: method, start: start, finish: clock.now()) }
    }

    /// Dispatches a method by name.
    func run(_ method: String, _ params: JSONObject, now: Double) -> MethodOutcome {
        switch method {
        case "crm.lead.list": return leadList(params)
        case "crm.lead.get": return leadGet(params)
        case "crm.lead.fields": return .result(leadFields())
        case "crm.lead.add": return leadAdd(params, now: now)
        case "crm.lead.update": return leadUpdate(params, now: now)
        case "crm.lead.delete": return leadDelete(params)
        case "crm.lead.contact.items.get": return contactItemsGet(params)
        case "crm.lead.contact.items.set": return contactItemsSet(params, now: now)
        case "crm.lead.contact.fields": return .result(contactBindingFields())
        case "crm.lead.productrows.get": return productRowsGet(params)
        case "crm.lead.productrows.set": return productRowsSet(params, now: now)
        case "crm.item.productrow.list": return productRowList(params)
        case "crm.item.list": return itemList(params)
        case "crm.lead.userfield.list": return userFieldList(params)
        case "crm.status.list": return statusList(params)
        case "crm.status.update": return statusUpdate(params)
        case "crm.lead.details.configuration.get": return cardConfiguration(params)
        case "crm.lead.userfield.update": return userFieldUpdate(params)
        case "crm.currency.list": return currencyList(params)
        case "user.get": return userGet(params)
        case "crm.contact.list": return contactList(params)
        case "crm.contact.update": return contactUpdate(params, now: now)
        case "crm.company.list": return companyList(params)
        case "crm.stagehistory.list": return stageHistoryList(params)
        case "crm.deal.list": return dealList(params)
        case "crm.deal.add": return dealAdd(params, now: now)
        case "crm.deal.update": return dealUpdate(params, now: now)
        case "crm.deal.delete": return dealDelete(params)
        case "crm.deal.contact.items.get": return contactItemsGet(params, owner: .deal)
        case "crm.deal.contact.items.set": return contactItemsSet(params, owner: .deal, now: now)
        case "crm.deal.productrows.get": return productRowsGet(params, owner: .deal)
        case "crm.deal.productrows.set": return productRowsSet(params, owner: .deal, now: now)
        case "crm.category.list": return categoryList(params)
        case "crm.activity.list": return activityList(params)
        case "crm.activity.binding.list": return activityBindingList(params)
        case "crm.activity.add": return activityAdd(params, now: now)
        case "crm.activity.update": return activityUpdate(params, now: now)
        case "crm.activity.delete": return activityDelete(params)
        case "crm.activity.binding.add": return activityBinding(params, adding: true, now: now)
        case "crm.activity.binding.delete": return activityBinding(params, adding: false, now: now)
        case "crm.settings.mode.get": return .result(.int(Int64(access.crmMode)))
        case "profile": return profile()
        case "batch": return .failure(.batchMethodNotAllowed)
        default: return .failure(.methodNotFound)
        }
    }
}
