/// The streams a sync runs, in order. A new stream is registered here, not in the engine.
public enum SyncStreams {
    /// Leads (with their children and dimensions), contacts and companies changed on their own,
    /// then stage history.
    public static let standard: [any SyncStream] = [LeadStream(), DimensionRefreshStream(), StageHistoryStream()]
}
