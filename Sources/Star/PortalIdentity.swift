/// Who reads the portal and what kind of CRM it runs, as the portal told the run.
public struct PortalIdentity: Sendable, Equatable {
    /// `crm.settings.mode.get`: 1 classic, 2 simple (no leads); `nil` when the portal did not say.
    public var crmMode: Int?
    /// The webhook's (or token's) user id, from `profile`.
    public var userID: Int64?
    /// Whether that user is a portal administrator, from `profile`.
    public var isAdmin: Bool?

    /// An identity; unknown parts are `nil`.
    public init(crmMode: Int? = nil, userID: Int64? = nil, isAdmin: Bool? = nil) {
        self.crmMode = crmMode
        self.userID = userID
        self.isAdmin = isAdmin
    }

    /// The portal runs CRM in simple mode: it has no leads to export.
    public var isSimpleCRM: Bool { crmMode == 2 }
}
