/// The CRM entity that owns children (product rows, contact bindings): leads or deals.
public enum CRMOwner: String, Sendable, Hashable {
    /// Leads: entity type 1, owner type `L`, `crm.lead.*`.
    case lead
    /// Deals: entity type 2, owner type `D`, `crm.deal.*`.
    case deal

    /// `entityTypeId` of the `crm.item.*` methods.
    public var entityTypeID: Int64 { self == .lead ? 1 : 2 }
    /// `ownerType` of product rows.
    public var ownerType: String { self == .lead ? "L" : "D" }
    /// `crm.lead` or `crm.deal`: the prefix of the legacy per-owner methods.
    public var methodPrefix: String { "crm.\(rawValue)" }
}
