/// Session-level advisory locks: the way two b24pg processes agree that only one works on a portal.
extension Connection {
    /// Takes the lock if nobody holds it; returns `false` at once when another session does.
    ///
    /// The lock lasts until `advisoryUnlock(_:)` or until this connection closes (a crash frees it).
    public func tryAdvisoryLock(_ key: Int64) throws(PostgresError) -> Bool {
        try execute("SELECT pg_try_advisory_lock($1::bigint)", [String(key)]).scalar == "t"
    }

    /// Waits until the lock is free, then takes it.
    public func advisoryLock(_ key: Int64) throws(PostgresError) {
        try execute("SELECT pg_advisory_lock($1::bigint)", [String(key)])
    }

    /// Releases a lock this session holds; returns `false` if it did not hold it.
    @discardableResult
    public func advisoryUnlock(_ key: Int64) throws(PostgresError) -> Bool {
        try execute("SELECT pg_advisory_unlock($1::bigint)", [String(key)]).scalar == "t"
    }
}
