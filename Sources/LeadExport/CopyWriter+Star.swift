import B24Core
import LibPQ

/// COPY encodings of the star's value types.
extension CopyWriter {
    private static let utc = PortalTime(offsetSeconds: 0)

    /// A unix time as an ISO timestamp in UTC (`2024-05-23T15:18:25+00:00`); `nil` is NULL.
    mutating func append(timestamp: Int64?) {
        append(timestamp.map { Self.utc.format($0) })
    }

    /// A yyyymmdd date key.
    mutating func append(dateKey: Int) {
        append(Int64(dateKey))
    }

    /// The columns of `StarLoader.leadColumns`, in order (the row is not ended).
    mutating func append(lead: LeadRow, portalID: Int64) {
        append(portalID)
        append(lead.leadID)
        append(lead.title)
        append(lead.name)
        append(lead.lastName)
        append(lead.companyTitle)
        append(lead.statusID)
        append(lead.statusSemantic)
        append(lead.sourceID)
        append(lead.sourceDescription)
        append(lead.assignedByID)
        append(lead.createdByID)
        append(lead.modifyByID)
        append(lead.companyID)
        append(lead.contactID)
        append(lead.opportunity)
        append(lead.currencyID)
        append(lead.isManualOpportunity)
        append(lead.isReturnCustomer)
        append(lead.opened)
        append(lead.hasPhone)
        append(lead.hasEmail)
        append(timestamp: lead.createdAt)
        append(timestamp: lead.modifiedAt)
        append(timestamp: lead.movedAt)
        append(timestamp: lead.closedAt)
        append(dateKey: lead.createdDateKey)
        append(dateKey: lead.closedDateKey)
        for utm in lead.utm { append(utm) }
        append(lead.customFields)
    }

    /// The columns of `StarLoader.productColumns`, in order (the row is not ended).
    mutating func append(productRow row: ProductRowRecord, portalID: Int64) {
        append(portalID)
        append(row.rowID)
        append(row.leadID)
        append(row.productID)
        append(row.productName)
        append(row.price)
        append(row.priceExclusive)
        append(row.priceNetto)
        append(row.priceBrutto)
        append(row.quantity)
        append(row.discountTypeID)
        append(row.discountRate)
        append(row.discountSum)
        append(row.taxRate)
        append(row.taxIncluded)
        append(row.customized)
        append(row.measureCode)
        append(row.measureName)
        append(row.sort)
        append(row.type)
    }

    /// portal_id, lead_id, contact_id, is_primary, sort, role_id (the row is not ended).
    mutating func append(link: ContactLinkRecord, portalID: Int64) {
        append(portalID)
        append(link.leadID)
        append(link.contactID)
        append(link.isPrimary)
        append(link.sort)
        append(link.roleID)
    }
}
