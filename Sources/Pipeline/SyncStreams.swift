/// The streams a sync runs, in order. A new stream is registered here, not in the engine.
public enum SyncStreams {
    /// Leads (with their children and dimensions), contacts and companies changed on their own,
    /// stage history, then deals and their stage history, then the leads' activities.
    public static let standard: [any SyncStream] = leads + deals + activities

    /// The lead streams: leads with their children, contacts and companies, stage history.
    public static let leads: [any SyncStream] = [LeadStream(), DimensionRefreshStream(), StageHistoryStream()]

    /// The names of the lead streams and the lead activities, left out on a portal in simple CRM
    /// mode (it has no leads).
    public static let leadStreamNames: Set<String> = Set((leads + activities).map(\.name))

    /// The activities of the leads' timelines.
    public static let activities: [any SyncStream] = [ActivityStream()]

    /// The deal streams: deals, then their stage history.
    public static let deals: [any SyncStream] = [DealStream(), DealStageHistoryStream()]
}
