import Config

/// A portal a worker may claim: its name and host (as `etl.portal` records them) and its schedule.
public struct WorkerPortal: Sendable, Equatable {
    /// The configured name.
    public var name: String
    /// The host its webhook points at.
    public var host: String
    /// When it is due.
    public var schedule: Schedule

    /// A portal.
    public init(name: String, host: String, schedule: Schedule) {
        self.name = name
        self.host = host
        self.schedule = schedule
    }
}
