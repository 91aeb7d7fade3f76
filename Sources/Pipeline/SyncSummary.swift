import Foundation
import Load

/// What one sync did.
public struct SyncSummary: Sendable, Equatable {
    /// The `etl.sync_run` id.
    public var runID: Int64 = 0
    /// The mode.
    public var mode = "incremental"
    /// Leads upserted.
    public var leads = 0
    /// Product rows written.
    public var productRows = 0
    /// Contact links written.
    public var contactLinks = 0
    /// Stage-history rows written.
    public var stageHistory = 0
    /// Leads newly flagged deleted.
    public var deleted = 0
    /// Leads flagged deleted that the portal listed again, re-read.
    public var undeleted = 0
    /// Records rejected.
    public var skipped = 0
    /// Whether the run audited the children of every live lead.
    public var audited = false
    /// Leads the audit found with different children, read again.
    public var repaired = 0
    /// NUL characters stripped.
    public var nulStripped = 0
    /// HTTP requests.
    public var requests = 0
    /// Retries.
    public var retries = 0
    /// 503 and 429 answers.
    public var throttled = 0
    /// Wall time, seconds.
    public var seconds = 0.0
    /// What became of `mart.lead_custom_fields` (rebuilt when the field definitions changed).
    public var customFieldView = CustomFieldViewState.unchanged
    /// Deals upserted.
    public var deals = 0
    /// Deal stage-history rows written.
    public var dealStageHistory = 0
    /// Deal product rows written.
    public var dealProductRows = 0
    /// Deal contact links written.
    public var dealContactLinks = 0
    /// Deals newly flagged deleted.
    public var dealsDeleted = 0
    /// Deals flagged deleted that the portal listed again, re-read.
    public var dealsUndeleted = 0
    /// Deals whose children differed from `dw`, read again.
    public var dealsRepaired = 0
    /// Activities written.
    public var activities = 0
    /// Activities newly flagged deleted.
    public var activitiesDeleted = 0
    /// Activities flagged deleted that the portal listed again, re-read.
    public var activitiesUndeleted = 0
    /// Activities whose lead bindings differed from `dw` in an audit, read again.
    public var activitiesRepaired = 0
    /// Seconds spent in database calls (they overlap with reading the portal, so this is not a share of `seconds`).
    public var databaseSeconds = 0.0

    /// The final summary line.
    public var line: String {
        "sync \(mode) finished: run=\(runID) leads=\(leads) product_rows=\(productRows) links=\(contactLinks) "
            + "stage_history=\(stageHistory) deleted=\(deleted) undeleted=\(undeleted) skipped=\(skipped) "
            + "audited=\(audited ? "yes" : "no") repaired=\(repaired) requests=\(requests) "
            + "retries=\(retries) throttled=\(throttled) duration=\(String(format: "%.1f", seconds))s "
            + "database=\(String(format: "%.1f", databaseSeconds))s deals=\(deals) deal_product_rows=\(dealProductRows) "
            + "deal_links=\(dealContactLinks) deal_stage_history=\(dealStageHistory) deals_deleted=\(dealsDeleted) "
            + "deals_undeleted=\(dealsUndeleted) deals_repaired=\(dealsRepaired) activities=\(activities) "
            + "activities_deleted=\(activitiesDeleted) activities_undeleted=\(activitiesUndeleted) "
            + "activities_repaired=\(activitiesRepaired)"
            + (customFieldView == .unchanged
                ? "" : " custom_field_view=\(customFieldView.rawValue.replacingOccurrences(of: " ", with: "_"))")
    }
}

extension SyncSummary {
    /// Adds what a stream's delete scan and audit did (and what re-reading leads wrote).
    mutating func add(_ counts: ReconcileCounts) {
        deleted += counts.deleted
        undeleted += counts.undeleted
        audited = audited || counts.audited
        repaired += counts.repaired
        dealsDeleted += counts.dealsDeleted
        dealsUndeleted += counts.dealsUndeleted
        dealsRepaired += counts.dealsRepaired
        activitiesDeleted += counts.activitiesDeleted
        activitiesUndeleted += counts.activitiesUndeleted
        activitiesRepaired += counts.activitiesRepaired
        add(counts.reread)
    }

    /// Adds what a stream's pass wrote.
    mutating func add(_ counts: StreamCounts) {
        leads += counts.leads
        productRows += counts.productRows
        contactLinks += counts.contactLinks
        stageHistory += counts.stageHistory
        nulStripped += counts.nulStripped
        skipped += counts.skipped
        deals += counts.deals
        dealStageHistory += counts.dealStageHistory
        dealProductRows += counts.dealProductRows
        dealContactLinks += counts.dealContactLinks
        activities += counts.activities
    }
}
