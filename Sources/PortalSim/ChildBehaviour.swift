/// How the simulated portal plays the lead-children behaviours the real API does not document
/// (`bitrix24-api.md` §10.9, §12, §13). The defaults are the harsher readings.
public struct ChildBehaviour: Sendable, Equatable {
    /// What `crm.item.productrow.list` does with an array of owner ids.
    public enum OwnerArrays: String, Sendable, Equatable, CaseIterable {
        /// As the server's source reads: `IN (…)`, the read permission checked on `(int)array`
        /// (lead 1) only, so a non-admin is refused when it cannot see lead 1 and otherwise gets
        /// the rows of every owner asked, seen or not.
        case serverSource = "source"
        /// Refused with `ACCESS_DENIED`, as a portal that checks each owner might answer a non-admin.
        case refuse
    }

    /// What `crm.lead.delete` does with the lead's stage history (not verified on the real
    /// portal).
    public enum DeletedLeadHistory: String, Sendable, Equatable, CaseIterable {
        /// Kept: `crm.stagehistory.list` goes on listing records of a lead that no longer exists.
        case keep
        /// Removed with the lead.
        case remove
    }

    /// Whether writing product rows or contact bindings moves the lead's `DATE_MODIFY` (not
    /// verified on the real portal; off by default, so only an audit finds such changes).
    public var bumpsModify: Bool
    /// Owner arrays in `crm.item.productrow.list`.
    public var ownerArrays: OwnerArrays

    /// Stage history of deleted leads.
    public var deletedLeadHistory: DeletedLeadHistory

    /// Whether `crm.activity.list` with a `BINDINGS` filter lists an activity once per binding
    /// that matches (as a join would: an activity bound to two leads comes twice, and `total`
    /// counts both) rather than once (`bitrix24-api.md` §13 says several pairs may repeat one).
    public var activityBindingRepeats: Bool
    /// Whether `crm.activity.list` returns `BINDINGS` when it is named in `select` (not
    /// documented; off by default, so the reader must ask `crm.activity.binding.list`).
    public var activityBindingsSelectable: Bool
    /// Whether adding or removing an activity binding moves its `LAST_UPDATED` (not verified;
    /// off by default, so only an audit finds a rebinding).
    public var activityBindingBumpsUpdated: Bool

    /// The harsher readings unless told otherwise.
    public init(
        bumpsModify: Bool = false, ownerArrays: OwnerArrays = .serverSource,
        deletedLeadHistory: DeletedLeadHistory = .keep, activityBindingRepeats: Bool = true,
        activityBindingsSelectable: Bool = false, activityBindingBumpsUpdated: Bool = false
    ) {
        self.bumpsModify = bumpsModify
        self.ownerArrays = ownerArrays
        self.deletedLeadHistory = deletedLeadHistory
        self.activityBindingRepeats = activityBindingRepeats
        self.activityBindingsSelectable = activityBindingsSelectable
        self.activityBindingBumpsUpdated = activityBindingBumpsUpdated
    }
}
