import B24Core

/// What the webhook's user may see, the recycle bin, and `profile`.
extension SimulatedPortal {
    /// Whether the webhook's user may read lead `id`.
    func isVisible(lead id: Int64) -> Bool {
        guard let lead = dataset.leads[id] else { return false }
        return access.sees(responsible: lead.assignedByID)
    }

    /// The lead ids the webhook's user may read, in order.
    var visibleLeadIDs: [Int64] {
        guard access.visibleTo != nil || access.crmMode != 1 else { return dataset.leadIDs }
        return dataset.leadIDs.filter { isVisible(lead: $0) }
    }

    /// `profile`: the webhook's user.
    func profile() -> MethodOutcome {
        let user = dataset.users.first
        return .result([
            "ID": .string("1"), "ADMIN": .bool(access.isAdmin), "NAME": .string(user?.name ?? "Admin"),
            "LAST_NAME": .string(user?.lastName ?? ""), "PERSONAL_GENDER": "", "TIME_ZONE": "",
        ])
    }

    /// Puts a deleted lead back from the recycle bin, with its children and history; `false` when
    /// the bin does not hold it. Like a restore in the portal's interface, it keeps the lead's
    /// `DATE_MODIFY`.
    public func restore(lead id: Int64) -> Bool {
        locked {
            guard let recycled = recycleBin.removeValue(forKey: id) else { return false }
            dataset.leads[id] = recycled.lead
            let index = Self.lowerBound(dataset.leadIDs, id)
            dataset.leadIDs.insert(id, at: index)
            if !recycled.productRows.isEmpty { dataset.productRows[id] = recycled.productRows }
            if !recycled.bindings.isEmpty { dataset.bindings[id] = recycled.bindings }
            dataset.history = (dataset.history + recycled.history).sorted { $0.id < $1.id }
            historyIDs = nil
            return true
        }
    }
}

extension SimulatedPortal {
    /// The next stage-history record written stays invisible until `releaseHeldHistory()`, as a
    /// record whose transaction commits late: readers see later ids first.
    public func holdNextHistoryRecord() {
        locked { holdsNextHistory = true }
    }

    /// Makes every held stage-history record visible; returns their ids.
    @discardableResult
    public func releaseHeldHistory() -> [Int64] {
        locked {
            let released = heldHistory.sorted()
            heldHistory = []
            historyIDs = nil
            return released
        }
    }
}

/// A deleted lead as the recycle bin keeps it.
struct RecycledLead: Sendable {
    var lead: SimLead
    var productRows: [SimProductRow]
    var bindings: [SimContactBinding]
    var history: [SimStageHistory]
}
