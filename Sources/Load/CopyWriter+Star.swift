import LibPQ
import Star

/// COPY encodings of the star's rows: each writes the columns of its `StarTable`, in order
/// (the row is not ended; a count that differs from the table's columns fails the COPY).
extension CopyWriter {
    /// The columns of `StarTable.factLead`.
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
        append(epochSeconds: lead.createdAt)
        append(epochSeconds: lead.modifiedAt)
        append(epochSeconds: lead.movedAt)
        append(epochSeconds: lead.closedAt)
        append(lead.createdDateKey)
        append(lead.closedDateKey)
        for utm in lead.utm { append(utm) }
        append(lead.customFields)
    }

    /// The columns of `StarTable.factLeadProduct`.
    mutating func append(productRow row: ProductRowRecord, portalID: Int64) {
        append(portalID)
        append(row.rowID)
        append(row.ownerID)
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

    /// The columns of `StarTable.factLeadProductLoaded`: the row, then its lead's currency and
    /// semantics, live (a written lead is), and whether it repeats a product.
    mutating func append(loaded: LoadedProductRow, portalID: Int64) {
        append(productRow: loaded.row, portalID: portalID)
        append(loaded.lead?.currencyID)
        append(loaded.lead?.statusSemantic)
        append(false)
        append(loaded.repeatsProduct)
    }

    /// The columns of `StarTable.bridgeLeadContact`.
    mutating func append(link: ContactLinkRecord, portalID: Int64) {
        append(portalID)
        append(link.ownerID)
        append(link.contactID)
        append(link.isPrimary)
        append(link.sort)
        append(link.roleID)
    }

    /// The columns of `StarTable.factLeadStageHistory`.
    mutating func append(history row: StageHistoryRecord, portalID: Int64) {
        append(portalID)
        append(row.historyID)
        append(row.leadID)
        append(row.typeID)
        append(row.statusID)
        append(row.statusSemantic)
        append(epochSeconds: row.createdAt)
        append(row.createdDateKey)
    }

    /// The columns of `StarTable.dimContact`.
    mutating func append(contact: ContactRecord, portalID: Int64) {
        append(portalID)
        append(contact.contactID)
        append(contact.name)
        append(contact.firstName)
        append(contact.lastName)
        append(contact.post)
        append(contact.typeID)
        append(contact.sourceID)
        append(contact.companyID)
        append(contact.assignedByID)
        append(epochSeconds: contact.createdAt)
        append(epochSeconds: contact.modifiedAt)
    }

    /// The columns of `StarTable.dimCompany`.
    mutating func append(company: CompanyRecord, portalID: Int64) {
        append(portalID)
        append(company.companyID)
        append(company.title)
        append(company.companyType)
        append(company.industry)
        append(company.employees)
        append(company.revenue)
        append(company.currencyID)
        append(company.assignedByID)
        append(epochSeconds: company.createdAt)
        append(epochSeconds: company.modifiedAt)
    }

    /// The columns of `StarTable.dimStatus`.
    mutating func append(status: StatusRecord, portalID: Int64) {
        append(portalID)
        append(status.statusID)
        append(status.name)
        append(status.sort)
        append(status.semantic)
        append(status.color)
        append(status.isSystem)
    }

    /// The columns of `StarTable.dimSource`.
    mutating func append(source: StatusRecord, portalID: Int64) {
        append(portalID)
        append(source.statusID)
        append(source.name)
        append(source.sort)
    }

    /// The columns of `StarTable.dimUser`.
    mutating func append(user: UserRecord, portalID: Int64) {
        append(portalID)
        append(user.userID)
        append(user.name)
        append(user.firstName)
        append(user.lastName)
        append(user.email)
        append(user.position)
        append(user.active)
    }

    /// The columns of `StarTable.dimCurrency`.
    mutating func append(currency: CurrencyRecord, portalID: Int64) {
        append(portalID)
        append(currency.currencyID)
        append(currency.name)
        append(currency.amount)
        append(currency.amountCount)
        append(currency.isBase)
        append(currency.sort)
    }

    /// The columns of `StarTable.dimLeadField`.
    mutating func append(field: LeadFieldRecord, portalID: Int64) {
        append(portalID)
        append(field.fieldName)
        append(field.type)
        append(field.label)
        append(field.isMultiple)
        append(field.isRequired)
        append(field.isCustom)
        append(field.items)
        append(field.sort)
        append(field.sectionName)
        append(field.sectionSort)
        append(field.fieldSort)
    }

    /// The columns of `StarTable.factDeal`.
    mutating func append(deal: DealRow, portalID: Int64) {
        append(portalID)
        append(deal.dealID)
        append(deal.title)
        append(deal.leadID)
        append(deal.categoryID)
        append(deal.stageID)
        append(deal.stageSemantic)
        append(deal.opportunity)
        append(deal.currencyID)
        append(deal.beginDate)
        append(deal.closeDate)
        append(deal.closed)
        append(epochSeconds: deal.createdAt)
        append(epochSeconds: deal.modifiedAt)
        append(epochSeconds: deal.movedAt)
        append(deal.assignedByID)
        append(deal.sourceID)
        append(deal.companyID)
        for utm in deal.utm { append(utm) }
        append(deal.isReturnCustomer)
        append(deal.isRepeatedApproach)
        append(deal.createdDateKey)
        append(deal.closedDateKey)
        append(deal.customFields)
    }

    /// The columns of `StarTable.factLeadActivity`: the activity as bound to `leadID`.
    mutating func append(activity: ActivityRow, leadID: Int64, portalID: Int64) {
        append(portalID)
        append(activity.activityID)
        append(leadID)
        append(activity.ownerTypeID)
        append(activity.ownerID)
        append(activity.typeID)
        append(activity.providerID)
        append(activity.providerTypeID)
        append(activity.direction)
        append(activity.completed)
        append(activity.status)
        append(activity.priority)
        append(epochSeconds: activity.createdAt)
        append(epochSeconds: activity.lastUpdatedAt)
        append(epochSeconds: activity.startAt)
        append(epochSeconds: activity.endAt)
        append(epochSeconds: activity.deadlineAt)
        append(activity.responsibleID)
        append(activity.authorID)
        append(activity.subject)
        append(activity.createdDateKey)
    }

    /// The columns of `StarTable.factDealStageHistory`.
    mutating func append(dealHistory row: DealStageHistoryRecord, portalID: Int64) {
        append(portalID)
        append(row.historyID)
        append(row.dealID)
        append(row.typeID)
        append(row.categoryID)
        append(row.stageID)
        append(row.stageSemantic)
        append(epochSeconds: row.createdAt)
        append(row.createdDateKey)
    }

    /// The columns of `StarTable.dimDealCategory`.
    mutating func append(dealCategory row: DealCategoryRecord, portalID: Int64) {
        append(portalID)
        append(row.categoryID)
        append(row.name)
        append(row.sort)
        append(row.isDefault)
    }

    /// The columns of `StarTable.dimDealStage`.
    mutating func append(dealStage row: DealStageRecord, portalID: Int64) {
        append(portalID)
        append(row.stageID)
        append(row.categoryID)
        append(row.name)
        append(row.sort)
        append(row.semantic)
        append(row.color)
        append(row.isSystem)
    }
}
