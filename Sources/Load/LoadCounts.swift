/// What a chunk added.
public struct ChunkCounts: Sendable, Equatable {
    /// Leads upserted.
    public var leads = 0
    /// Product rows written.
    public var productRows = 0
    /// Contact links written.
    public var contactLinks = 0
    /// Stage-history rows written.
    public var stageHistory = 0
    /// NUL characters stripped.
    public var nulStripped = 0
    /// Records skipped as invalid.
    public var skipped = 0
    /// Deals upserted.
    public var deals = 0
    /// Deal stage-history rows written.
    public var dealStageHistory = 0
    /// Deal product rows written.
    public var dealProductRows = 0
    /// Deal contact links written.
    public var dealContactLinks = 0
    /// Activities written (each with its lead bindings).
    public var activities = 0

    /// Counts with every field given (zero by default).
    public init(
        leads: Int = 0, productRows: Int = 0, contactLinks: Int = 0, stageHistory: Int = 0, nulStripped: Int = 0,
        skipped: Int = 0, deals: Int = 0, dealStageHistory: Int = 0, dealProductRows: Int = 0,
        dealContactLinks: Int = 0, activities: Int = 0
    ) {
        self.activities = activities
        self.deals = deals
        self.dealStageHistory = dealStageHistory
        self.dealProductRows = dealProductRows
        self.dealContactLinks = dealContactLinks
        self.leads = leads
        self.productRows = productRows
        self.contactLinks = contactLinks
        self.stageHistory = stageHistory
        self.nulStripped = nulStripped
        self.skipped = skipped
    }

    /// Adds another chunk's counts.
    public mutating func add(_ part: ChunkCounts) {
        leads += part.leads
        productRows += part.productRows
        contactLinks += part.contactLinks
        stageHistory += part.stageHistory
        nulStripped += part.nulStripped
        skipped += part.skipped
        deals += part.deals
        dealStageHistory += part.dealStageHistory
        dealProductRows += part.dealProductRows
        dealContactLinks += part.dealContactLinks
        activities += part.activities
    }
}

/// Request counters for the run row.
public struct RunCounters: Sendable {
    /// HTTP requests.
    public var requests: Int
    /// Retries.
    public var retries: Int
    /// 503 and 429 answers.
    public var throttled: Int

    /// Creates counters.
    public init(requests: Int, retries: Int, throttled: Int) {
        self.requests = requests
        self.retries = retries
        self.throttled = throttled
    }
}
