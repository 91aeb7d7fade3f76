import B24Core

/// `crm.activity.*`: the list with its `BINDINGS` filter and `START_TIME` default order, the
/// bindings of one activity, and the write methods tests change activities with.
extension SimulatedPortal {
    /// `crm.activity.list`: legacy paging and strings; `BINDINGS` (pairs of `OWNER_TYPE_ID` and/or
    /// `OWNER_ID`) keeps the activities with a binding that matches a pair, once per matching
    /// binding unless the behaviour says otherwise; `order` defaults to `START_TIME`.
    func activityList(_ params: JSONObject) -> MethodOutcome {
        let schema = EntitySchema.activity
        let query = ListQuery(params: params, schema: schema, defaultOrder: [("START_TIME", false)])
        let filter = ListQuery.parameter(params, "filter")?.objectValue ?? JSONObject()
        let pairs = filter.first { $0.key.uppercased() == "BINDINGS" }.map { Self.bindingPairs($0.value) }
        let data = dataset
        var repeats: [Int64: Int] = [:]
        var ids = data.activityIDs
        if let pairs {
            ids = ids.filter { id in
                let matching = data.activities[id]?.bindings.filter { Self.matches($0, pairs) }.count ?? 0
                if matching > 1 { repeats[id] = matching }
                return matching > 0
            }
        }
        let times = behaviour.activityBindingRepeats ? repeats : [:]
        let result = page(
            query, ids: ids, style: .legacy,
            valueOf: { id, field in data.activities[id].map { data.activityValue($0, field) } },
            rowsTaken: times.isEmpty ? nil : { times[$0] ?? 1 })
        let fields = schema.selected(query.select)
        let withBindings =
            behaviour.activityBindingsSelectable && query.select.contains { $0.uppercased() == "BINDINGS" }
        var rows: [JSON] = []
        for id in result.ids {
            guard let item = data.activities[id] else { continue }
            var record = data.legacyRecord(fields, inList: true) { data.activityValue(item, $0) }
            if withBindings, var object = record.objectValue {
                object["BINDINGS"] = .array(
                    item.bindings.map {
                        ["OWNER_TYPE_ID": .string(String($0.ownerTypeID)), "OWNER_ID": .string(String($0.ownerID))]
                    })
                record = .object(object)
            }
            for _ in 0..<(times[id] ?? 1) { rows.append(record) }
        }
        var total = result.total
        if let counted = total, counted > 0, !times.isEmpty {
            // `total` counts rows, a repeated activity as often as it is listed.
            let matching = ids.filter { id in
                guard let item = data.activities[id] else { return false }
                return query.matches({ data.activityValue(item, $0) }, time: data.time)
            }
            total = matching.reduce(0) { $0 + (times[$1] ?? 1) }
        }
        return listOutcome(rows, total: total, next: result.next)
    }

    /// `crm.activity.binding.list`: every binding of one activity as `entityTypeId`, `entityId`.
    func activityBindingList(_ params: JSONObject) -> MethodOutcome {
        let id = ListQuery.integer(params["activityId"] ?? params["ACTIVITY_ID"] ?? .null)
        guard id > 0 else { return .failure(.invalidID()) }
        guard let item = dataset.activities[id] else { return .failure(.notFound()) }
        return .result(
            .array(
                item.bindings.map { ["entityTypeId": .int(Int64($0.ownerTypeID)), "entityId": .int($0.ownerID)] }))
    }

    /// `crm.activity.add`: an activity owned by `OWNER_TYPE_ID`/`OWNER_ID`, created now.
    func activityAdd(_ params: JSONObject, now: Double) -> MethodOutcome {
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        let stamp = Int64(now)
        let ownerType = Int(ListQuery.integer(fields["OWNER_TYPE_ID"] ?? .null))
        let owner = ListQuery.integer(fields["OWNER_ID"] ?? .null)
        guard ownerType > 0, owner > 0 else { return .failure(.argument("OWNER_TYPE_ID and OWNER_ID are required")) }
        let id = dataset.nextActivityID
        dataset.nextActivityID += 1
        var item = SimActivity(
            id: id, typeID: 6, providerID: "CRM_TODO", providerTypeID: "TODO", direction: 0, completed: false,
            status: 1, priority: 2, created: stamp, lastUpdated: stamp, startTime: stamp, endTime: stamp,
            deadline: nil, responsibleID: 1, authorID: 1, subject: "Activity #\(id)",
            bindings: [SimActivityBinding(ownerTypeID: ownerType, ownerID: owner)])
        apply(fields, to: &item, now: stamp)
        dataset.activities[id] = item
        dataset.activityIDs.append(id)
        return .result(.int(id))
    }

    /// `crm.activity.update`: changes fields, moves `LAST_UPDATED`.
    func activityUpdate(_ params: JSONObject, now: Double) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard var item = dataset.activities[id] else { return .failure(.notFound()) }
        apply(ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject(), to: &item, now: Int64(now))
        dataset.activities[id] = item
        return .result(.bool(true))
    }

    /// `crm.activity.delete`.
    func activityDelete(_ params: JSONObject) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard dataset.activities.removeValue(forKey: id) != nil else { return .failure(.notFound()) }
        let index = Self.lowerBound(dataset.activityIDs, id)
        if index < dataset.activityIDs.count, dataset.activityIDs[index] == id { dataset.activityIDs.remove(at: index) }
        return .result(.bool(true))
    }

    /// `crm.activity.binding.add` / `.delete`: binds the activity to one more entity, or unbinds it.
    func activityBinding(_ params: JSONObject, adding: Bool, now: Double) -> MethodOutcome {
        let id = ListQuery.integer(params["activityId"] ?? .null)
        guard var item = dataset.activities[id] else { return .failure(.notFound()) }
        let binding = SimActivityBinding(
            ownerTypeID: Int(ListQuery.integer(params["entityTypeId"] ?? .null)),
            ownerID: ListQuery.integer(params["entityId"] ?? .null))
        if adding {
            guard !item.bindings.contains(binding) else { return .result(.bool(true)) }
            item.bindings.append(binding)
        } else {
            guard item.bindings.count > 1, let index = item.bindings.firstIndex(of: binding) else {
                return .failure(.argument("The binding cannot be removed"))
            }
            item.bindings.remove(at: index)
        }
        if behaviour.activityBindingBumpsUpdated { item.lastUpdated = Int64(now) }
        dataset.activities[id] = item
        return .result(.bool(true))
    }

    private func apply(_ fields: JSONObject, to item: inout SimActivity, now: Int64) {
        func stamp(_ value: JSON) -> Int64? {
            dataset.time.parse(ListQuery.scalarText(value))
        }
        for (key, value) in fields {
            switch key.uppercased() {
            case "TYPE_ID": item.typeID = Int(ListQuery.integer(value))
            case "PROVIDER_ID": item.providerID = ListQuery.scalarText(value)
            case "PROVIDER_TYPE_ID": item.providerTypeID = ListQuery.scalarText(value)
            case "DIRECTION": item.direction = Int(ListQuery.integer(value))
            case "SUBJECT": item.subject = ListQuery.scalarText(value)
            case "RESPONSIBLE_ID": item.responsibleID = ListQuery.integer(value)
            case "START_TIME": item.startTime = stamp(value)
            case "END_TIME": item.endTime = stamp(value)
            case "DEADLINE": item.deadline = stamp(value)
            case "COMPLETED":
                item.completed = ListQuery.scalarText(value).uppercased() == "Y"
                item.status = item.completed ? 2 : 1
            default: break
            }
        }
        item.lastUpdated = now
    }

    /// The pairs of a `BINDINGS` filter (each with a type, an id or both).
    static func bindingPairs(_ value: JSON) -> [(type: Int?, id: Int64?)] {
        (value.elements ?? [value]).map { pair in
            (
                pair["OWNER_TYPE_ID"].map { Int(ListQuery.integer($0)) },
                pair["OWNER_ID"].map { ListQuery.integer($0) }
            )
        }
    }

    /// Whether `binding` matches one of the pairs.
    static func matches(_ binding: SimActivityBinding, _ pairs: [(type: Int?, id: Int64?)]) -> Bool {
        pairs.contains { pair in
            (pair.type.map { $0 == binding.ownerTypeID } ?? true) && (pair.id.map { $0 == binding.ownerID } ?? true)
        }
    }
}
