import B24Core

/// Activities on the leads' timelines: calls in and out, e-mails, meetings, to-dos and provider
/// activities (web forms). About a quarter of the leads were never touched; some were touched
/// before their creation time (imported leads); some activities belong to two leads, some are
/// owned by a contact and bound to the lead as well; some to-dos have no deadline.
extension PortalDataset {
    /// One kind of activity as the portal records it.
    struct ActivityKind {
        let typeID: Int
        let providerID: String
        let providerTypeID: String
        let direction: Int
        let subject: String
    }

    /// The kinds the simulator writes, by how often they appear.
    static let activityKinds: [(kind: ActivityKind, weight: Double)] = [
        (
            ActivityKind(
                typeID: 2, providerID: "VOXIMPLANT_CALL", providerTypeID: "CALL", direction: 2, subject: "Outgoing call"
            ), 0.3
        ),
        (
            ActivityKind(
                typeID: 2, providerID: "VOXIMPLANT_CALL", providerTypeID: "CALL", direction: 1, subject: "Incoming call"
            ), 0.1
        ),
        (
            ActivityKind(
                typeID: 4, providerID: "CRM_EMAIL", providerTypeID: "EMAIL", direction: 2, subject: "E-mail sent"), 0.2
        ),
        (
            ActivityKind(
                typeID: 4, providerID: "CRM_EMAIL", providerTypeID: "EMAIL", direction: 1, subject: "E-mail received"),
            0.08
        ),
        (
            ActivityKind(
                typeID: 1, providerID: "CRM_MEETING", providerTypeID: "MEETING", direction: 0, subject: "Meeting"), 0.07
        ),
        (ActivityKind(typeID: 6, providerID: "CRM_TODO", providerTypeID: "TODO", direction: 0, subject: "To-do"), 0.25),
    ]

    /// The web-form activity a lead from a form starts with (incoming, never a touch).
    static let webForm = ActivityKind(
        typeID: 6, providerID: "CRM_WEBFORM", providerTypeID: "WEBFORM", direction: 1, subject: "Web form filled")

    /// Makes the activities of every lead, ids in creation order.
    mutating func generateActivities(anchor: Int64) {
        var made: [SimActivity] = []
        for (index, leadID) in leadIDs.enumerated() {
            guard let lead = leads[leadID] else { continue }
            let nextLead = index + 1 < leadIDs.count ? leadIDs[index + 1] : nil
            var random = SimRandom(seed: seed, stream: 0xAC71_0000_0000 + UInt64(leadID))
            if lead.sourceID == "WEB" || random.chance(0.1) {
                made.append(
                    activity(
                        Self.webForm, lead: lead, at: lead.dateCreate, done: true, deadline: nil, random: &random))
            }
            guard random.chance(0.75) else { continue }
            // The first touch: minutes to days after creation; before it for an imported lead.
            var moment: Int64
            if random.chance(0.03) {
                moment = lead.dateCreate - Int64.random(in: 3_600...(30 * 86_400), using: &random)
            } else {
                let bucket = random.weighted([0.3, 0.3, 0.25, 0.15])
                let upper: Int64 = [300, 3_600, 86_400, 7 * 86_400][bucket]
                let lower: Int64 = [10, 301, 3_601, 86_401][bucket]
                moment = lead.dateCreate + Int64.random(in: lower...upper, using: &random)
            }
            for _ in 0..<(1 + random.weighted([0.35, 0.25, 0.2, 0.12, 0.08])) {
                guard moment < anchor else { break }
                let kind = Self.activityKinds[random.weighted(Self.activityKinds.map(\.weight))].kind
                let isToDo = kind.providerTypeID == "TODO"
                let deadline: Int64? =
                    isToDo
                    ? (random.chance(0.15) ? nil : moment + Int64.random(in: 3_600...(3 * 86_400), using: &random))
                    : moment
                // Past to-dos are mostly done; a few are left open (overdue once their deadline passed).
                let done = isToDo ? (random.chance(0.75) && moment + 86_400 < anchor) : moment + 600 < anchor
                var item = activity(kind, lead: lead, at: moment, done: done, deadline: deadline, random: &random)
                if random.chance(0.03), let other = nextLead {
                    item.bindings.append(SimActivityBinding(ownerTypeID: 1, ownerID: other))
                } else if random.chance(0.05), let contact = bindings[leadID]?.first?.contactID {
                    // Owned by the lead's contact, bound to the lead as well.
                    item.bindings.insert(SimActivityBinding(ownerTypeID: 3, ownerID: contact), at: 0)
                }
                made.append(item)
                moment += Int64.random(in: 600...(5 * 86_400), using: &random)
            }
        }
        made.sort { ($0.created, $0.bindings.first?.ownerID ?? 0) < ($1.created, $1.bindings.first?.ownerID ?? 0) }
        var id: Int64 = 1
        activities.reserveCapacity(made.count)
        activityIDs.reserveCapacity(made.count)
        for var item in made {
            item.id = id
            item.subject += " #\(id)"
            activities[id] = item
            activityIDs.append(id)
            id += id % 17 == 0 ? 2 : 1
        }
        nextActivityID = id
    }

    private func activity(
        _ kind: ActivityKind, lead: SimLead, at moment: Int64, done: Bool, deadline: Int64?, random: inout SimRandom
    ) -> SimActivity {
        let length: Int64 =
            kind.typeID == 1 ? 3_600 : (kind.typeID == 2 ? Int64.random(in: 30...900, using: &random) : 0)
        return SimActivity(
            id: 0, typeID: kind.typeID, providerID: kind.providerID, providerTypeID: kind.providerTypeID,
            direction: kind.direction, completed: done, status: done ? 2 : 1,
            priority: random.weighted([0.2, 0.6, 0.2]) + 1,
            created: moment, lastUpdated: done ? moment + length + Int64.random(in: 0...600, using: &random) : moment,
            startTime: moment, endTime: moment + length, deadline: deadline, responsibleID: lead.assignedByID,
            authorID: lead.assignedByID, subject: kind.subject,
            bindings: [SimActivityBinding(ownerTypeID: 1, ownerID: lead.id)])
    }

    /// An activity's field as `crm.activity.list` reads it.
    func activityValue(_ item: SimActivity, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(item.id)
        case "OWNER_TYPE_ID": return .int(Int64(item.bindings.first?.ownerTypeID ?? 0))
        case "OWNER_ID": return .int(item.bindings.first?.ownerID ?? 0)
        case "TYPE_ID": return .int(Int64(item.typeID))
        case "PROVIDER_ID": return .string(item.providerID)
        case "PROVIDER_TYPE_ID": return .string(item.providerTypeID)
        case "DIRECTION": return .int(Int64(item.direction))
        case "COMPLETED": return .flag(item.completed)
        case "STATUS": return .int(Int64(item.status))
        case "PRIORITY": return .int(Int64(item.priority))
        case "CREATED": return .date(item.created)
        case "LAST_UPDATED": return .date(item.lastUpdated)
        case "START_TIME": return item.startTime.map(FieldValue.date) ?? .null
        case "END_TIME": return item.endTime.map(FieldValue.date) ?? .null
        // No deadline is the far future the portal stores for it.
        case "DEADLINE": return .date(item.deadline ?? Self.noDeadline(time))
        case "RESPONSIBLE_ID": return .int(item.responsibleID)
        case "AUTHOR_ID", "EDITOR_ID": return .int(item.authorID)
        case "SUBJECT": return .string(item.subject)
        case "DESCRIPTION": return .string("Notes about \(item.subject) (personal data: never exported)")
        default: return .null
        }
    }

    /// `9999-12-31 00:00` in the portal's zone, as unix seconds.
    static func noDeadline(_ time: PortalTime) -> Int64 {
        253_402_214_400 - Int64(time.offsetSeconds)
    }
}
