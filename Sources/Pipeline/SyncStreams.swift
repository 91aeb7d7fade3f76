/// The streams a sync runs, in order. A new stream is registered here, not in the engine.
public enum SyncStreams {
    /// Leads (with their children and dimensions), then their stage history.
    public static let standard: [any SyncStream] = [LeadStream(), StageHistoryStream()]
}
