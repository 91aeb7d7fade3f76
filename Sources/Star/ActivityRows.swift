/// One CRM activity of a lead's timeline, typed; times are unix seconds.
public struct ActivityRow: Sendable, Equatable {
    /// Activity id.
    public var activityID: Int64
    /// `OWNER_TYPE_ID`: the entity type that owns it (1 lead, 2 deal, 3 contact…).
    public var ownerTypeID: Int64?
    /// `OWNER_ID`.
    public var ownerID: Int64?
    /// `TYPE_ID`: 1 meeting, 2 call, 3 task, 4 e-mail, 5 calendar import, 6 provider activity.
    public var typeID: Int64?
    /// `PROVIDER_ID` (`VOXIMPLANT_CALL`, `CRM_TODO`…).
    public var providerID: String?
    /// `PROVIDER_TYPE_ID` (`CALL`, `TODO`…).
    public var providerTypeID: String?
    /// `DIRECTION`: 1 incoming, 2 outgoing, 0 or NULL none.
    public var direction: Int64?
    /// `COMPLETED`.
    public var completed: Bool?
    /// `STATUS`: 1 waiting, 2 completed, 3 auto-completed.
    public var status: Int64?
    /// `PRIORITY`.
    public var priority: Int64?
    /// `CREATED`.
    public var createdAt: Int64?
    /// `LAST_UPDATED`.
    public var lastUpdatedAt: Int64?
    /// `START_TIME`.
    public var startAt: Int64?
    /// `END_TIME`.
    public var endAt: Int64?
    /// `DEADLINE`; NULL when the portal says none (`9999-12-31…`).
    public var deadlineAt: Int64?
    /// `RESPONSIBLE_ID`.
    public var responsibleID: Int64?
    /// `AUTHOR_ID`.
    public var authorID: Int64?
    /// `SUBJECT`.
    public var subject: String?
    /// Local date of `createdAt`, `yyyymmdd`, 0 when unknown.
    public var createdDateKey: Int
    /// The leads it is bound to, when the record says (`BINDINGS`); `nil` when it must be asked.
    public var leadIDs: [Int64]?

    /// Creates a row.
    public init(
        activityID: Int64, ownerTypeID: Int64? = nil, ownerID: Int64? = nil, typeID: Int64? = nil,
        providerID: String? = nil, providerTypeID: String? = nil, direction: Int64? = nil, completed: Bool? = nil,
        status: Int64? = nil, priority: Int64? = nil, createdAt: Int64? = nil, lastUpdatedAt: Int64? = nil,
        startAt: Int64? = nil, endAt: Int64? = nil, deadlineAt: Int64? = nil, responsibleID: Int64? = nil,
        authorID: Int64? = nil, subject: String? = nil, createdDateKey: Int = 0, leadIDs: [Int64]? = nil
    ) {
        self.activityID = activityID
        self.ownerTypeID = ownerTypeID
        self.ownerID = ownerID
        self.typeID = typeID
        self.providerID = providerID
        self.providerTypeID = providerTypeID
        self.direction = direction
        self.completed = completed
        self.status = status
        self.priority = priority
        self.createdAt = createdAt
        self.lastUpdatedAt = lastUpdatedAt
        self.startAt = startAt
        self.endAt = endAt
        self.deadlineAt = deadlineAt
        self.responsibleID = responsibleID
        self.authorID = authorID
        self.subject = subject
        self.createdDateKey = createdDateKey
        self.leadIDs = leadIDs
    }
}

/// A chunk of activities ready to load: each with the leads it is bound to.
public struct ActivityChunk: Sendable {
    /// The activities read (their lead bindings replace what `dw` held for them).
    public var activities: [ActivityRow] = []
    /// Records rejected (named in the run log).
    public var rejected: [TransformError] = []
    /// The last activity id read, loaded or not.
    public var cursor: Int64 = 0

    /// An empty chunk.
    public init() {}

    /// One row per activity and bound lead (an activity bound to no lead has none).
    public var leadRows: [(activity: ActivityRow, leadID: Int64)] {
        activities.flatMap { activity in Set(activity.leadIDs ?? []).sorted().map { (activity, $0) } }
    }
}
