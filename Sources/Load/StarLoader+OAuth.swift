import LibPQ

/// The OAuth tokens of a portal in `etl.portal_oauth`, replaced under the row's lock: a rotation
/// begins a transaction and locks the row (a second worker waits there, then finds the tokens
/// the first stored), the caller spends the refresh token at the OAuth server, and the new pair
/// commits before anyone else can read the row. Use a connection of its own: the transaction
/// stays open while the OAuth server answers.
extension StarLoader {
    /// Begins a rotation: the portal's row, created empty when new, locked until
    /// `finishTokenRotation` or `abandonTokenRotation`. Waits at most `lockTimeoutSeconds` for
    /// another worker's rotation.
    public func beginTokenRotation(portalID: Int64, lockTimeoutSeconds: Int = 90) throws -> StoredOAuthTokens {
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT set_config('lock_timeout', $1, true)", ["\(lockTimeoutSeconds)s"])
            try connection.execute(
                "INSERT INTO etl.portal_oauth (portal_id) VALUES ($1::int) ON CONFLICT (portal_id) DO NOTHING",
                ids: [portalID])
            let row = try connection.execute(
                """
                SELECT o.client_id, o.key_id, encode(o.refresh_token, 'hex'), encode(o.access_token, 'hex'),
                       extract(epoch FROM o.access_expires_at)::bigint, o.seed_digest, p.member_id, o.rotations,
                       extract(epoch FROM now())::bigint
                FROM etl.portal_oauth o JOIN etl.portal p USING (portal_id)
                WHERE o.portal_id = $1::int
                FOR UPDATE OF o
                """, ids: [portalID]
            ).rows.first
            guard let row, let now = row[8].flatMap({ Int64($0) }) else {
                throw PostgresError(code: .unexpectedResult, message: "etl.portal_oauth has no row for the portal")
            }
            return StoredOAuthTokens(
                clientID: row[0], keyID: row[1], refreshToken: row[2].flatMap(Self.hexBytes),
                accessToken: row[3].flatMap(Self.hexBytes), accessExpiresAt: row[4].flatMap { Int64($0) },
                seedDigest: row[5], memberID: row[6], rotations: row[7].flatMap { Int64($0) } ?? 0, now: now)
        } catch {
            abandonTokenRotation()
            throw error
        }
    }

    /// Stores the new tokens (and the portal's `member_id`) and commits, releasing the row.
    public func finishTokenRotation(portalID: Int64, _ update: OAuthTokenUpdate) throws {
        do {
            try connection.execute(
                """
                UPDATE etl.portal_oauth
                SET client_id = $2, key_id = $3, refresh_token = decode($4, 'hex'), access_token = decode($5, 'hex'),
                    access_expires_at = to_timestamp($6::double precision), seed_digest = COALESCE($7, seed_digest),
                    rotations = rotations + $8::int, rotated_at = now(), rotated_by = $9
                WHERE portal_id = $1::int
                """,
                [
                    String(portalID), update.clientID, update.keyID, Self.hex(update.refreshToken),
                    Self.hex(update.accessToken), update.accessExpiresAt.map { String($0) }, update.seedDigest,
                    update.spentRefreshToken ? "1" : "0", update.storedBy,
                ])
            if let member = update.memberID {
                try connection.execute(
                    "UPDATE etl.portal SET member_id = $2 WHERE portal_id = $1::int AND member_id IS DISTINCT FROM $2",
                    [String(portalID), member])
            }
            try connection.execute("COMMIT")
        } catch {
            abandonTokenRotation()
            throw error
        }
    }

    /// Ends a rotation without storing anything (the row is released unchanged).
    public func abandonTokenRotation() {
        _ = try? connection.execute("ROLLBACK")
    }

    /// `bytes` as lowercase hex, the form `decode(…, 'hex')` reads.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return text
    }

    /// The bytes of lowercase hex text as `encode(…, 'hex')` writes it; `nil` for anything else.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
