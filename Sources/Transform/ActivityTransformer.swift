import B24Core
import Star

/// Pure functions from `crm.activity.list` records to typed rows, with the rules of every other
/// record: every empty spelling is NULL, `DEADLINE` in the year 9999 (the portal's "no deadline")
/// is NULL, a value that cannot be loaded exactly rejects the record with a `TransformError`.
public struct ActivityTransformer: Sendable {
    /// The portal's time zone: date keys are local there.
    public let time: PortalTime

    /// A transformer for one portal.
    public init(time: PortalTime) {
        self.time = time
    }

    /// A `crm.activity.list` record as a row; its lead bindings when the record lists `BINDINGS`.
    public func activity(_ record: JSON) throws(TransformError) -> ActivityRow {
        var reader = RecordReader(record: record, entity: "activity", time: time)
        let id = try reader.id("ID")
        reader.id = id
        let created = try reader.dated("CREATED")
        let deadlineText = reader.text("DEADLINE")
        let deadline = deadlineText?.hasPrefix("9999") == true ? nil : try reader.timestamp("DEADLINE")
        return ActivityRow(
            activityID: id, ownerTypeID: try reader.integer("OWNER_TYPE_ID"),
            ownerID: try reader.reference("OWNER_ID"), typeID: try reader.integer("TYPE_ID"),
            providerID: reader.text("PROVIDER_ID"), providerTypeID: reader.text("PROVIDER_TYPE_ID"),
            direction: try reader.integer("DIRECTION"), completed: try reader.flag("COMPLETED"),
            status: try reader.integer("STATUS"), priority: try reader.integer("PRIORITY"),
            createdAt: created?.stamp, lastUpdatedAt: try reader.timestamp("LAST_UPDATED"),
            startAt: try reader.timestamp("START_TIME"), endAt: try reader.timestamp("END_TIME"),
            deadlineAt: deadline, responsibleID: try reader.reference("RESPONSIBLE_ID"),
            authorID: try reader.reference("AUTHOR_ID"), subject: reader.text("SUBJECT"),
            createdDateKey: created?.dateKey ?? 0, leadIDs: try Self.leadBindings(record["BINDINGS"], id: id))
    }

    /// The leads among `BINDINGS` (`OWNER_TYPE_ID` 1), or `nil` when the record has no such list.
    static func leadBindings(_ value: JSON?, id: Int64) throws(TransformError) -> [Int64]? {
        guard let elements = value?.elements else { return nil }
        var leads: [Int64] = []
        for binding in elements {
            guard let type = binding["OWNER_TYPE_ID"]?.lenientInt, let owner = binding["OWNER_ID"]?.lenientInt else {
                throw TransformError(
                    entity: "activity", id: id, field: "BINDINGS", reason: "a binding without an owner type and id")
            }
            if type == 1, owner > 0 { leads.append(owner) }
        }
        return leads
    }
}
