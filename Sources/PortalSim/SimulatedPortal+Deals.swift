import B24Core

/// `crm.deal.*`, deal funnels (`crm.category.list`) and deal stage history.
extension SimulatedPortal {
    /// `crm.deal.list`: legacy paging and strings, like `crm.lead.list`.
    func dealList(_ params: JSONObject) -> MethodOutcome {
        let schema = EntitySchema.deal
        let query = ListQuery(params: params, schema: schema, defaultOrder: [("ID", true)])
        let data = dataset
        let result = page(query, ids: data.dealIDs, style: .legacy) { id, field in
            data.deals[id].map { data.dealValue($0, field) }
        }
        let fields = schema.selected(query.select)
        let rows = result.ids.compactMap { id in
            data.deals[id].map { deal in data.legacyRecord(fields, inList: true) { data.dealValue(deal, $0) } }
        }
        return listOutcome(rows, total: result.total, next: result.next)
    }

    /// `crm.deal.add`: a deal in the first stage of its funnel (or the one named), history "created".
    func dealAdd(_ params: JSONObject, now: Double) -> MethodOutcome {
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        let stamp = Int64(now)
        let category = fields["CATEGORY_ID"].map(ListQuery.integer) ?? 0
        guard let first = dataset.dealStages(of: category).first else {
            return .failure(MethodError(status: 400, code: "", description: "Category not found"))
        }
        let id = dataset.nextDealID
        dataset.nextDealID += 1
        var deal = SimDeal(
            id: id, title: "Deal #\(id)", leadID: nil, categoryID: category, stageID: first.statusID,
            opportunityCents: 0, currencyID: "USD", beginDate: dataset.time.startOfDay(stamp),
            closeDate: dataset.time.startOfDay(stamp + 7 * 86_400), assignedByID: 1, sourceID: nil, companyID: nil,
            dateCreate: stamp, dateModify: stamp, movedTime: stamp, utm: [nil, nil, nil, nil, nil],
            isReturnCustomer: false, isRepeatedApproach: false)
        appendDealHistory(deal: id, type: 1, stage: first.statusID, category: category, at: stamp)
        if let error = applyDeal(fields, to: &deal, now: stamp) { return .failure(error) }
        dataset.deals[id] = deal
        dataset.dealIDs.append(id)
        return .result(.int(id))
    }

    /// `crm.deal.update`: changes fields, moves `DATE_MODIFY`, records stage moves and funnel
    /// changes in the deal's history.
    func dealUpdate(_ params: JSONObject, now: Double) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard var deal = dataset.deals[id] else { return .failure(.notFound()) }
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        if let error = applyDeal(fields, to: &deal, now: Int64(now)) { return .failure(error) }
        dataset.deals[id] = deal
        return .result(.bool(true))
    }

    /// `crm.deal.delete`: the deal is gone from lists; its history stays.
    func dealDelete(_ params: JSONObject) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard dataset.deals.removeValue(forKey: id) != nil else { return .failure(.notFound()) }
        dataset.dealProductRows[id] = nil
        dataset.dealBindings[id] = nil
        let index = Self.lowerBound(dataset.dealIDs, id)
        if index < dataset.dealIDs.count, dataset.dealIDs[index] == id { dataset.dealIDs.remove(at: index) }
        return .result(.bool(true))
    }

    /// `crm.category.list`: the deal funnels (`entityTypeId` 2); other types have none here.
    func categoryList(_ params: JSONObject) -> MethodOutcome {
        let typeValue = params["entityTypeId"] ?? params["ENTITY_TYPE_ID"] ?? params["entityTypeID"] ?? .null
        guard ListQuery.integer(typeValue) == 2 else {
            return .success(result: ["categories": []], total: 0, next: nil)
        }
        let categories = dataset.dealCategories.sorted { ($0.sort, $0.id) < ($1.sort, $1.id) }.map { category -> JSON in
            [
                "id": .int(category.id), "name": .string(category.name), "sort": .int(Int64(category.sort)),
                "entityTypeId": 2, "isDefault": .string(category.id == 0 ? "Y" : "N"), "originId": "",
                "originatorId": "",
            ]
        }
        return .success(result: ["categories": .array(categories)], total: categories.count, next: nil)
    }

    /// Deal history records for `crm.stagehistory.list` with `entityTypeId` 2.
    func dealHistoryList(_ query: ListQuery) -> MethodOutcome {
        let data = dataset
        let positions = Dictionary(uniqueKeysWithValues: data.dealHistory.enumerated().map { ($1.id, $0) })
        let result = page(query, ids: data.dealHistory.map(\.id), style: .engine) { id, field in
            positions[id].map { data.dealHistoryValue(data.dealHistory[$0], field) }
        }
        let selected = Set(query.select.map { $0.uppercased() })
        let items = result.ids.compactMap { positions[$0] }.map { index -> JSON in
            let record = data.dealHistory[index]
            var object: JSONObject = [
                "ID": .int(record.id), "TYPE_ID": .int(Int64(record.typeID)), "OWNER_ID": .int(record.ownerID),
                "CREATED_TIME": .string(data.time.format(record.createdTime)),
                "CATEGORY_ID": .int(record.categoryID ?? 0), "STAGE_SEMANTIC_ID": .string(record.semanticID),
                "STAGE_ID": .string(record.statusID),
            ]
            if !selected.isEmpty, !selected.contains("*") {
                for key in object.keys where key != "ID" && !selected.contains(key) { object[key] = nil }
            }
            return .object(object)
        }
        return .success(result: ["items": .array(items)], total: result.total, next: result.next)
    }

    /// Appends a deal-history record with the next id.
    func appendDealHistory(deal: Int64, type: Int, stage: String, category: Int64, at stamp: Int64) {
        dataset.dealHistory.append(
            SimStageHistory(
                id: dataset.nextDealHistoryID, typeID: type, ownerID: deal, createdTime: stamp,
                semanticID: dataset.dealStage(stage)?.semanticID ?? "P", statusID: stage, categoryID: category))
        dataset.nextDealHistoryID += 1
    }

    /// Applies writable deal fields; a new `CATEGORY_ID` moves the deal to that funnel's first
    /// stage (or the `STAGE_ID` given, when it is that funnel's), recorded as a funnel change.
    private func applyDeal(_ fields: JSONObject, to deal: inout SimDeal, now: Int64) -> MethodError? {
        func text(_ value: JSON) -> String? {
            let string = ListQuery.scalarText(value)
            return value.isNull || string.isEmpty ? nil : string
        }
        let upper = Dictionary(fields.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        var requestedStage = upper["STAGE_ID"].flatMap(text)
        if let value = upper["CATEGORY_ID"] {
            let category = ListQuery.integer(value)
            if category != deal.categoryID {
                let stages = dataset.dealStages(of: category)
                guard let first = stages.first else {
                    return MethodError(status: 400, code: "", description: "Category not found")
                }
                let stage = stages.first { $0.statusID == requestedStage }?.statusID ?? first.statusID
                deal.categoryID = category
                deal.stageID = stage
                deal.movedTime = now
                appendDealHistory(deal: deal.id, type: 5, stage: stage, category: category, at: now)
                requestedStage = nil
            }
        }
        for (key, value) in upper {
            switch key {
            case "TITLE": deal.title = text(value) ?? ""
            case "CURRENCY_ID": deal.currencyID = text(value) ?? "USD"
            case "OPPORTUNITY":
                deal.opportunityCents = Int64(((Double(ListQuery.scalarText(value)) ?? 0) * 100).rounded())
            case "ASSIGNED_BY_ID": deal.assignedByID = ListQuery.integer(value)
            case "SOURCE_ID": deal.sourceID = text(value)
            case "COMPANY_ID":
                let company = ListQuery.integer(value)
                deal.companyID = company > 0 ? company : nil
            case "UTM_SOURCE": deal.utm[0] = text(value)
            case "UTM_MEDIUM": deal.utm[1] = text(value)
            case "UTM_CAMPAIGN": deal.utm[2] = text(value)
            case _ where key.hasPrefix("UF_") && EntitySchema.deal.field(key) != nil: deal.custom[key] = text(value)
            default: break
            }
        }
        if let stageID = requestedStage, stageID != deal.stageID {
            guard let stage = dataset.dealStages(of: deal.categoryID).first(where: { $0.statusID == stageID }) else {
                return MethodError(status: 400, code: "", description: "Invalid value of field STAGE_ID")
            }
            deal.stageID = stageID
            deal.movedTime = now
            if stage.semantics != nil { deal.closeDate = dataset.time.startOfDay(now) }
            appendDealHistory(
                deal: deal.id, type: stage.semantics == nil ? 2 : 3, stage: stageID, category: deal.categoryID, at: now)
        }
        deal.dateModify = now
        return nil
    }
}
