import LibPQ

/// One sync per portal and database: a session-level advisory lock keyed by the portal.
extension StarLoader {
    /// The advisory-lock key of a portal.
    public static func portalLockKey(host: String) -> Int64 {
        Int64(bitPattern: StableHash.fnv1a64("b24pg.sync " + host))
    }

    /// Takes the portal's lock if no other session holds it; `false` at once when one does.
    public func tryLockPortal(host: String) throws -> Bool {
        try connection.tryAdvisoryLock(Self.portalLockKey(host: host))
    }

    /// Releases the portal's lock (a closed connection releases it too).
    public func unlockPortal(host: String) throws {
        try connection.advisoryUnlock(Self.portalLockKey(host: host))
    }
}
