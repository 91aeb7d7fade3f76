import B24Core
import Star

/// Pure functions from the children of a lead or a deal (product rows, exact contact bindings,
/// contact sets) to typed star rows; a value that cannot be loaded exactly rejects the child with
/// a `TransformError` naming the owner (`product row of deal`, id 42).
public struct ChildTransformer: Sendable {
    /// The portal's time zone.
    public let time: PortalTime
    /// `lead` or `deal`: the owner named in errors and in `etl.rejected_record.entity`.
    public let owner: String

    /// A transformer for children of `owner`.
    public init(time: PortalTime, owner: String) {
        self.time = time
        self.owner = owner
    }

    /// A `crm.lead.productrows.get` / `crm.deal.productrows.get` row of owner `ownerID`.
    public func productRow(_ record: JSON, ownerID: Int64) throws(TransformError) -> ProductRowRecord {
        var reader = RecordReader(record: record, entity: "product row of \(owner)", time: time)
        reader.id = ownerID
        return ProductRowRecord(
            rowID: try reader.id("ID"), ownerID: ownerID, productID: try reader.integer("PRODUCT_ID"),
            productName: reader.text("PRODUCT_NAME"), price: try reader.decimal("PRICE"),
            priceExclusive: try reader.decimal("PRICE_EXCLUSIVE"), priceNetto: try reader.decimal("PRICE_NETTO"),
            priceBrutto: try reader.decimal("PRICE_BRUTTO"), quantity: try reader.decimal("QUANTITY"),
            discountTypeID: try reader.integer("DISCOUNT_TYPE_ID"), discountRate: try reader.decimal("DISCOUNT_RATE"),
            discountSum: try reader.decimal("DISCOUNT_SUM"), taxRate: try reader.decimal("TAX_RATE"),
            taxIncluded: try reader.flag("TAX_INCLUDED"), customized: try reader.flag("CUSTOMIZED"),
            measureCode: try reader.integer("MEASURE_CODE"), measureName: reader.text("MEASURE_NAME"),
            sort: try reader.integer("SORT"), type: try reader.integer("TYPE"))
    }

    /// A `crm.lead.contact.items.get` / `crm.deal.contact.items.get` row of owner `ownerID`.
    public func contactLink(_ record: JSON, ownerID: Int64) throws(TransformError) -> ContactLinkRecord {
        var reader = RecordReader(record: record, entity: "contact binding of \(owner)", time: time)
        reader.id = ownerID
        return ContactLinkRecord(
            ownerID: ownerID, contactID: try reader.id("CONTACT_ID"),
            isPrimary: try reader.flag("IS_PRIMARY") ?? false, sort: try reader.integer("SORT"),
            roleID: try reader.integer("ROLE_ID"))
    }

    /// The contact set of a `crm.item.list` item (`contactIds`, `contactId` the primary; 0 or
    /// absent when none).
    public func bindingSet(_ item: JSON) throws(TransformError) -> BindingSet {
        let entity = "contact set of \(owner)"
        var reader = RecordReader(record: item, entity: entity, time: time)
        reader.id = try reader.id("id")
        var contacts: Set<Int64> = []
        for value in item["contactIds"]?.elements ?? [] {
            guard let id = value.lenientInt, id > 0 else {
                throw TransformError(
                    entity: entity, id: reader.id, field: "contactIds",
                    reason: "\(value.lenientText ?? "a value") is not a contact id")
            }
            contacts.insert(id)
        }
        let primary = try reader.integer("contactId").flatMap { $0 > 0 ? $0 : nil }
        if let primary { contacts.insert(primary) }
        return BindingSet(contactIDs: contacts, primary: primary)
    }
}
