import B24Core
import Foundation

/// The entity a child method serves: `crm.lead.*` or `crm.deal.*`.
enum ChildOwner: Sendable {
    /// Leads (owner type `L`, entity type 1).
    case lead
    /// Deals (owner type `D`, entity type 2).
    case deal
}

/// Lead and deal children: contact bindings and product rows.
extension SimulatedPortal {
    /// Whether the owner exists.
    func exists(_ owner: ChildOwner, _ id: Int64) -> Bool {
        owner == .lead ? dataset.leads[id] != nil : dataset.deals[id] != nil
    }

    /// Whether the webhook's user may read the owner (deals: every deal; the access model is the lead's).
    func isVisible(_ owner: ChildOwner, _ id: Int64) -> Bool {
        owner == .lead ? isVisible(lead: id) : dataset.deals[id] != nil
    }

    /// The owner's contact bindings.
    func bindings(_ owner: ChildOwner, _ id: Int64) -> [SimContactBinding] {
        (owner == .lead ? dataset.bindings[id] : dataset.dealBindings[id]) ?? []
    }

    /// The owner's product rows.
    func productRows(_ owner: ChildOwner, _ id: Int64) -> [SimProductRow] {
        (owner == .lead ? dataset.productRows[id] : dataset.dealProductRows[id]) ?? []
    }

    /// A child write moved the owner's `DATE_MODIFY` (when the behaviour says it does).
    private func touch(_ owner: ChildOwner, _ id: Int64, now: Double) {
        guard behaviour.bumpsModify else { return }
        if owner == .lead { touch(id, now: Int64(now)) } else { dataset.deals[id]?.dateModify = Int64(now) }
    }

    /// `crm.lead.contact.items.get` / `crm.deal.contact.items.get`: all bindings, numbers as JSON
    /// numbers; unknown owner → 400 NOT_FOUND.
    func contactItemsGet(_ params: JSONObject, owner: ChildOwner = .lead) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard exists(owner, id) else {
            return .failure(MethodError(status: 400, code: "NOT_FOUND", description: "Not found."))
        }
        guard isVisible(owner, id) else { return .failure(.accessDenied) }
        let items = bindings(owner, id).map { binding -> JSON in
            [
                "CONTACT_ID": .int(binding.contactID), "SORT": .int(Int64(binding.sort)),
                "ROLE_ID": .int(Int64(binding.roleID)), "IS_PRIMARY": .string(binding.isPrimary ? "Y" : "N"),
            ]
        }
        return .result(.array(items))
    }

    /// `crm.lead.contact.items.set` / `crm.deal.contact.items.set`: replaces the bindings.
    func contactItemsSet(_ params: JSONObject, owner: ChildOwner = .lead, now: Double) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard exists(owner, id) else {
            return .failure(MethodError(status: 400, code: "NOT_FOUND", description: "Not found."))
        }
        var bindings: [SimContactBinding] = []
        for (index, item) in (ListQuery.parameter(params, "items")?.elements ?? []).enumerated() {
            let contact = ListQuery.integer(item["CONTACT_ID"] ?? .null)
            guard contact > 0, dataset.contact(contact) != nil else {
                return .failure(.argument("CONTACT_ID \(contact) is not found"))
            }
            guard !bindings.contains(where: { $0.contactID == contact }) else { continue }
            let sort = item["SORT"].map(ListQuery.integer) ?? Int64((index + 1) * 10)
            let primary = ListQuery.scalarText(item["IS_PRIMARY"] ?? .null).uppercased() == "Y"
            bindings.append(SimContactBinding(contactID: contact, sort: Int(sort), roleID: 0, isPrimary: primary))
        }
        if !bindings.isEmpty, !bindings.contains(where: \.isPrimary) { bindings[0].isPrimary = true }
        if owner == .lead {
            dataset.bindings[id] = bindings.isEmpty ? nil : bindings
        } else {
            dataset.dealBindings[id] = bindings.isEmpty ? nil : bindings
        }
        touch(owner, id, now: now)
        return .result(.bool(true))
    }

    /// `crm.lead.contact.fields`.
    func contactBindingFields() -> JSON {
        func field(_ type: String, required: Bool, title: String) -> JSON {
            [
                "type": .string(type), "isRequired": .bool(required), "isReadOnly": false, "isImmutable": false,
                "isMultiple": false, "isDynamic": false, "title": .string(title),
            ]
        }
        return [
            "CONTACT_ID": field("integer", required: true, title: "Contact ID"),
            "SORT": field("integer", required: false, title: "Sort index"),
            "ROLE_ID": field("integer", required: false, title: "Role ID (reserved)"),
            "IS_PRIMARY": field("char", required: false, title: "Primary contact"),
        ]
    }

    /// `crm.lead.productrows.get` / `crm.deal.productrows.get`: every row, mixed string/number
    /// types as the portal writes them.
    func productRowsGet(_ params: JSONObject, owner: ChildOwner = .lead) -> MethodOutcome {
        guard let id = Self.positiveID(params) else {
            return .failure(.invalidID("The parameter id is invalid or not defined."))
        }
        if exists(owner, id), !isVisible(owner, id) { return .failure(.accessDenied) }
        return .result(.array(productRows(owner, id).map(Self.legacyProductRow)))
    }

    /// `crm.lead.productrows.set` / `crm.deal.productrows.set`: replaces the rows; the sum becomes
    /// a lead's amount unless typed by hand.
    func productRowsSet(_ params: JSONObject, owner: ChildOwner = .lead, now: Double) -> MethodOutcome {
        guard let id = Self.positiveID(params) else {
            return .failure(.invalidID("The parameter id is invalid or not defined."))
        }
        guard exists(owner, id) else { return .failure(.notFound()) }
        var rows: [SimProductRow] = []
        for (index, item) in (ListQuery.parameter(params, "rows")?.elements ?? []).enumerated() {
            func number(_ key: String, _ fallback: Double) -> Double {
                item[key].flatMap { Double(ListQuery.scalarText($0)) } ?? fallback
            }
            let productID = item["PRODUCT_ID"].map(ListQuery.integer) ?? 0
            let product = dataset.products.first { $0.id == productID }
            let name = item["PRODUCT_NAME"].map(ListQuery.scalarText) ?? product?.name ?? "Product"
            rows.append(
                SimProductRow(
                    id: dataset.nextRowID, ownerID: id, productID: productID, productName: name,
                    price: number("PRICE", product?.price ?? 0), quantity: number("QUANTITY", 1),
                    discountTypeID: Int(number("DISCOUNT_TYPE_ID", 2)), discountRate: number("DISCOUNT_RATE", 0),
                    discountSum: number("DISCOUNT_SUM", 0),
                    taxRate: item["TAX_RATE"].flatMap { Double(ListQuery.scalarText($0)) },
                    taxIncluded: ListQuery.scalarText(item["TAX_INCLUDED"] ?? "N").uppercased() == "Y",
                    measureCode: Int(number("MEASURE_CODE", Double(product?.measureCode ?? 796))),
                    measureName: item["MEASURE_NAME"].map(ListQuery.scalarText) ?? product?.measureName ?? "pcs",
                    sort: Int(number("SORT", Double((index + 1) * 10))), type: product?.type ?? 1,
                    ownerType: owner == .lead ? "L" : "D"))
            dataset.nextRowID += 1
        }
        guard owner == .lead else {
            dataset.dealProductRows[id] = rows.isEmpty ? nil : rows
            touch(owner, id, now: now)
            return .result(.bool(true))
        }
        dataset.productRows[id] = rows.isEmpty ? nil : rows
        if var lead = dataset.leads[id], !lead.isManualOpportunity {
            lead.opportunityCents = Int64((rows.reduce(0) { $0 + $1.price * $1.quantity } * 100).rounded())
            dataset.leads[id] = lead
        }
        touch(owner, id, now: now)
        return .result(.bool(true))
    }

    /// `crm.item.productrow.list`: engine paging, camelCase, numbers; `=ownerType` and `=ownerId` required.
    func productRowList(_ params: JSONObject) -> MethodOutcome {
        let filter = ListQuery.parameter(params, "filter")?.objectValue ?? JSONObject()
        let ownerTypeKey = filter.keys.first { ListQuery.upperSnake(FilterOperator.split($0).1) == "OWNER_TYPE" }
        let ownerIDKey = filter.keys.first { ListQuery.upperSnake(FilterOperator.split($0).1) == "OWNER_ID" }
        guard let ownerTypeKey, let ownerIDKey, let ownerType = filter[ownerTypeKey], let owners = filter[ownerIDKey]
        else {
            return .failure(MethodError(status: 400, code: "100", description: "Required fields: ownerType, ownerId"))
        }
        let owner: ChildOwner
        switch ListQuery.scalarText(ownerType) {
        case "L": owner = .lead
        case "D": owner = .deal
        default: return .success(result: ["productRows": []], total: 0, next: nil)
        }
        let isArray = owners.elements != nil
        let ownerIDs = (owners.elements ?? [owners]).map(ListQuery.integer)
        // An empty array is `IN ()`: nothing. A scalar owner must be positive.
        if isArray, ownerIDs.isEmpty { return .success(result: ["productRows": []], total: 0, next: nil) }
        guard ownerIDs.allSatisfy({ $0 > 0 }) else {
            return .failure(.argument("ownerId must be positive"))
        }
        // The read check looks at one owner: the scalar, or `(int)array`, which PHP makes 1.
        if isArray, behaviour.ownerArrays == .refuse {
            return .failure(MethodError(status: 403, code: "ACCESS_DENIED", description: "Access denied"))
        }
        let checked: Int64 = isArray ? 1 : ownerIDs[0]
        if !access.isAdmin || access.visibleTo != nil, !isVisible(owner, checked) {
            return .failure(MethodError(status: 403, code: "ACCESS_DENIED", description: "Access denied"))
        }
        var rowsByID: [Int64: SimProductRow] = [:]
        for ownerID in Set(ownerIDs) {
            for row in productRows(owner, ownerID) { rowsByID[row.id] = row }
        }
        let query = ListQuery(params: params, schema: .productRow, defaultOrder: [("ID", false)], uppercaseKeys: true)
        let result = page(query, ids: rowsByID.keys.sorted(), style: .engine) { id, field in
            rowsByID[id].map { Self.productRowValue($0, field) }
        }
        let rows = result.ids.compactMap { rowsByID[$0] }.map(Self.engineProductRow)
        return .success(result: ["productRows": .array(rows)], total: result.total, next: result.next)
    }

    /// `crm.item.list` for leads (`entityTypeId` 1) and deals (2): engine paging and names, `id`,
    /// `contactId` (the primary binding, 0 when none) and `contactIds` (every bound contact, in id
    /// order: the documented order is not verified, so the reader may not rely on it).
    func itemList(_ params: JSONObject) -> MethodOutcome {
        let typeValue = params["entityTypeId"] ?? params["ENTITY_TYPE_ID"] ?? params["entityTypeID"] ?? .null
        let owner: ChildOwner
        switch ListQuery.integer(typeValue) {
        case 1: owner = .lead
        case 2: owner = .deal
        default:
            return .failure(
                MethodError(
                    status: 400, code: "NOT_SUPPORTED",
                    description: "Only leads and deals are simulated in crm.item.list"))
        }
        let query = ListQuery(params: params, schema: .leadItem, defaultOrder: [("ID", false)], uppercaseKeys: true)
        let data = dataset
        let ids = owner == .lead ? visibleLeadIDs : data.dealIDs
        let bindingsByOwner = owner == .lead ? data.bindings : data.dealBindings
        let result = page(query, ids: ids, style: .engine) { id, field in
            guard owner == .lead ? data.leads[id] != nil : data.deals[id] != nil else { return nil }
            switch field.name {
            case "ID": return .int(id)
            case "CONTACT_ID": return .int(bindingsByOwner[id]?.first(where: \.isPrimary)?.contactID ?? 0)
            default: return .null
            }
        }
        let selected = Set(query.select.map { ListQuery.upperSnake($0) })
        let everything = selected.isEmpty || selected.contains("*")
        let items = result.ids.map { id -> JSON in
            let bindings = bindingsByOwner[id] ?? []
            var item: JSONObject = ["id": .int(id)]
            if everything || selected.contains("CONTACT_ID") {
                item["contactId"] = .int(bindings.first(where: \.isPrimary)?.contactID ?? 0)
            }
            if everything || selected.contains("CONTACT_IDS") {
                item["contactIds"] = .array(bindings.map(\.contactID).sorted().map { .int($0) })
            }
            if everything || selected.contains("TITLE") {
                item["title"] = .string((owner == .lead ? data.leads[id]?.title : data.deals[id]?.title) ?? "")
            }
            return .object(item)
        }
        return .success(result: ["items": .array(items)], total: result.total, next: result.next)
    }

    static func productRowValue(_ row: SimProductRow, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(row.id)
        case "OWNER_ID": return .int(row.ownerID)
        case "OWNER_TYPE": return .string(row.ownerType)
        case "PRODUCT_ID": return .int(row.productID)
        case "PRODUCT_NAME": return .string(row.productName)
        case "PRICE": return .double(row.price)
        case "QUANTITY": return .double(row.quantity)
        case "SORT": return .int(Int64(row.sort))
        default: return .null
        }
    }

    static func number(_ value: Double) -> JSON {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int64(value)) : .double(value)
    }

    /// Prices derived from the final price, tax and discount, as the portal stores them.
    static func derivedPrices(_ row: SimProductRow) -> (exclusive: Double, netto: Double, brutto: Double) {
        let tax = (row.taxRate ?? 0) / 100
        let exclusive = row.taxIncluded ? row.price / (1 + tax) : row.price
        let netto = exclusive + row.discountSum
        return (exclusive.rounded(toPlaces: 2), netto.rounded(toPlaces: 2), (netto * (1 + tax)).rounded(toPlaces: 2))
    }

    static func legacyProductRow(_ row: SimProductRow) -> JSON {
        let prices = derivedPrices(row)
        return [
            "ID": .string(String(row.id)), "OWNER_ID": .string(String(row.ownerID)),
            "OWNER_TYPE": .string(row.ownerType),
            "PRODUCT_ID": .int(row.productID), "PRODUCT_NAME": .string(row.productName),
            "ORIGINAL_PRODUCT_NAME": .string(row.productName), "PRODUCT_DESCRIPTION": .null,
            "PRICE": number(row.price), "PRICE_EXCLUSIVE": number(prices.exclusive),
            "PRICE_NETTO": number(prices.netto),
            "PRICE_BRUTTO": number(prices.brutto), "PRICE_ACCOUNT": .string(String(format: "%.8f", row.price)),
            "QUANTITY": number(row.quantity), "DISCOUNT_TYPE_ID": .int(Int64(row.discountTypeID)),
            "DISCOUNT_RATE": number(row.discountRate), "DISCOUNT_SUM": number(row.discountSum),
            "TAX_RATE": row.taxRate.map(number) ?? .null, "TAX_INCLUDED": .string(row.taxIncluded ? "Y" : "N"),
            "CUSTOMIZED": "Y", "MEASURE_CODE": .int(Int64(row.measureCode)), "MEASURE_NAME": .string(row.measureName),
            "SORT": .int(Int64(row.sort)), "XML_ID": "", "TYPE": .int(Int64(row.type)), "STORE_ID": .null,
            "RESERVE_ID": .null, "DATE_RESERVE_END": .null, "RESERVE_QUANTITY": .null,
        ]
    }

    static func engineProductRow(_ row: SimProductRow) -> JSON {
        let prices = derivedPrices(row)
        return [
            "id": .int(row.id), "ownerId": .int(row.ownerID), "ownerType": .string(row.ownerType),
            "productId": .int(row.productID),
            "productName": .string(row.productName), "price": number(row.price), "priceAccount": number(row.price),
            "priceExclusive": number(prices.exclusive), "priceNetto": number(prices.netto),
            "priceBrutto": number(prices.brutto), "quantity": number(row.quantity),
            "discountTypeId": .int(Int64(row.discountTypeID)), "discountRate": number(row.discountRate),
            "discountSum": number(row.discountSum), "taxRate": row.taxRate.map(number) ?? .null,
            "taxIncluded": .string(row.taxIncluded ? "Y" : "N"), "customized": "Y",
            "measureCode": .int(Int64(row.measureCode)), "measureName": .string(row.measureName),
            "sort": .int(Int64(row.sort)), "xmlId": "", "type": .int(Int64(row.type)), "storeId": .null,
        ]
    }
}
