/// Every event name and metadata key a run logs, in one place: what log queries and dashboards
/// can rely on.
public enum LogKey {
    /// The `etl.sync_run` id.
    public static let run = "run"
    /// The sync mode.
    public static let mode = "mode"
    /// The portal origin (never the webhook secret).
    public static let portal = "portal"
    /// A stage of the run, for progress.
    public static let stage = "stage"
    /// A stream's name.
    public static let stream = "stream"
    /// The error of a failed run or a skipped record.
    public static let error = "error"
    /// Why a record was skipped.
    public static let reason = "reason"
    /// A lead id.
    public static let lead = "lead"
    /// A count of indexes.
    public static let indexes = "indexes"

    /// Event names.
    public enum Event {
        /// A run began reading the portal.
        public static let runStarted = "run_started"
        /// A run finished; carries the summary line.
        public static let runFinished = "run_finished"
        /// A run failed; carries the error.
        public static let runFailed = "run_failed"
        /// A stream's pass began.
        public static let passStarted = "pass_started"
        /// Progress of a stage (non-terminal logs).
        public static let progress = "progress"
        /// A record could not be loaded exactly and was skipped.
        public static let recordSkipped = "record_skipped"
        /// A lead was deleted while the run read it.
        public static let leadVanished = "lead_vanished"
        /// The portal runs CRM in simple mode: the lead streams are skipped.
        public static let simpleCRM = "simple_crm"
        /// An activity was deleted while the run read it.
        public static let activityVanished = "activity_vanished"
        /// A deal was deleted while the run read it.
        public static let dealVanished = "deal_vanished"
        /// Secondary indexes were set aside for a first load.
        public static let indexesDeferred = "indexes_deferred"
        /// Set-aside indexes were built again.
        public static let indexesRestored = "indexes_restored"
        /// The delete scan finished.
        public static let reconciled = "reconciled"
        /// The portal has nothing to export (simple CRM mode).
        public static let portalUnsupported = "portal_unsupported"
        /// The webhook's user is not an administrator: what it cannot see is not exported.
        public static let portalUserNotAdmin = "portal_user_not_admin"
        /// Leads marked deleted were listed again and re-read.
        public static let leadsUndeleted = "leads_undeleted"
        /// The portal's pages repeated or cut rows.
        public static let pagingAnomalies = "portal_paging_anomalies"
        /// How product rows are read on this portal was decided (a probe, or a refusal during a run).
        public static let productRowsProbed = "product_rows_mode"
        /// The run waits for a method's operating time to come back.
        public static let waiting = "waiting"
        /// The children audit finished.
        public static let childrenAudited = "children_audited"
        /// The delete scan was skipped: the portal's counts agree with the star.
        public static let deleteScanSkipped = "delete_scan_skipped"
        /// The portal's counts differ from the star's in some id ranges: every id is listed.
        public static let deleteScanNeeded = "delete_scan_needed"
        /// Contacts and companies modified since the last run were read again.
        public static let dimensionsRefreshed = "dimensions_refreshed"
        /// `mart.lead_custom_fields` rebuilt for changed field definitions, or left as it was.
        public static let customFieldView = "custom_field_view"
        /// A worker started: its id, concurrency and portals.
        public static let workerStarted = "worker_started"
        /// A worker claimed a due portal.
        public static let jobClaimed = "job_claimed"
        /// A worker's sync of a portal ended: succeeded, failed (with its back-off) or released.
        public static let jobFinished = "job_finished"
        /// A worker lost a portal's lease to another worker and stopped its sync.
        public static let leaseLost = "lease_lost"
        /// A worker stops: no new claims; running syncs end after the chunk they are writing.
        public static let workerStopping = "worker_stopping"
        /// A worker serves Prometheus metrics at `url`.
        public static let metricsListening = "metrics_listening"
    }
}
