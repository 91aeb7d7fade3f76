import LibPQ

/// One sync per portal and database: a session-level advisory lock keyed by the portal's name.
extension StarLoader {
    /// The advisory-lock key of the portal named `name`.
    public static func portalLockKey(name: String) -> Int64 {
        Int64(bitPattern: StableHash.fnv1a64("b24pg.sync " + name))
    }

    /// Takes the portal's lock if no other session holds it; `false` at once when one does.
    public func tryLockPortal(name: String) throws -> Bool {
        try connection.tryAdvisoryLock(Self.portalLockKey(name: name))
    }

    /// Releases the portal's lock (a closed connection releases it too).
    public func unlockPortal(name: String) throws {
        try connection.advisoryUnlock(Self.portalLockKey(name: name))
    }
}
