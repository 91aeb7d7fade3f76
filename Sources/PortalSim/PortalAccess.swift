/// Who the webhook's user is and what the portal lets it see: the real portal filters every list
/// by the caller's rights, silently, and a portal in simple CRM mode has no leads at all.
public struct PortalAccess: Sendable, Equatable {
    /// When set, the webhook's user sees only the leads whose responsible user this is ("own
    /// leads only"): lists and counts leave the others out, `get` refuses them.
    public var visibleTo: Int64?
    /// Whether the webhook's user is a portal administrator (`profile`'s `ADMIN`); a narrowed user
    /// is not, unless told otherwise.
    public var isAdmin: Bool
    /// `crm.settings.mode.get`: 1 classic (leads and deals), 2 simple (no leads).
    public var crmMode: Int

    /// Full rights of an administrator on a classic-mode portal.
    public init(visibleTo: Int64? = nil, isAdmin: Bool? = nil, crmMode: Int = 1) {
        self.visibleTo = visibleTo
        self.isAdmin = isAdmin ?? (visibleTo == nil)
        self.crmMode = crmMode
    }

    /// Whether a lead with this responsible user is visible to the webhook's user.
    public func sees(responsible: Int64) -> Bool {
        crmMode == 1 && (visibleTo.map { $0 == responsible } ?? true)
    }
}
