/// The streams a sync runs, in order. A new stream is registered here, not in the engine.
public enum SyncStreams {
    /// Leads (with their children and dimensions), contacts and companies changed on their own,
    /// stage history, then deals and their stage history.
    public static let standard: [any SyncStream] = leads + deals

    /// The lead streams: leads with their children, contacts and companies, stage history.
    public static let leads: [any SyncStream] = [LeadStream(), DimensionRefreshStream(), StageHistoryStream()]

    /// The names of the lead streams, left out on a portal in simple CRM mode (it has no leads).
    public static let leadStreamNames: Set<String> = Set(leads.map(\.name))

    /// The deal streams: deals, then their stage history.
    public static let deals: [any SyncStream] = [DealStream(), DealStageHistoryStream()]
}
