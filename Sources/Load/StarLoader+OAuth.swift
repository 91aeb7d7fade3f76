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
    public func beginTokenRotation(portalID: Int64, lockTimeoutSeconds: Int = 90) throws -> OAuthTokenRow {
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT set_config('lock_timeout', $1, true)", ["\(lockTimeoutSeconds)s"])
            try connection.execute(
                "INSERT INTO etl.portal_oauth (portal_id) VALUES ($1::int) ON CONFLICT (portal_id) DO NOTHING",
                ids: [portalID])
            let row = try connection.execute(
                """
                SELECT o.client_id, o.key_id, encode(o.refresh_token, 'hex'), encode(o.access_token, 'hex'),
                       extract(epoch FROM o.access_expires_at)::bigint, o.seed_digest, p.member_id
                FROM etl.portal_oauth o JOIN etl.portal p USING (portal_id)
                WHERE o.portal_id = $1::int
                FOR UPDATE OF o
                """, ids: [portalID]
            ).rows.first
            guard let row else {
                throw PostgresError(code: .unexpectedResult, message: "etl.portal_oauth has no row for the portal")
            }
            return OAuthTokenRow(
                clientID: row[0], keyID: row[1], refreshToken: row[2], accessToken: row[3],
                accessExpiresAt: row[4].flatMap { Int64($0) }, seedDigest: row[5], memberID: row[6])
        } catch {
            abandonTokenRotation()
            throw error
        }
    }

    /// Stores `tokens` (and the portal's `member_id`, when given) and commits, releasing the row;
    /// `spentRefreshToken` counts a refresh in `rotations` (a re-seal under a new key does not).
    public func finishTokenRotation(
        portalID: Int64, _ tokens: OAuthTokenRow, spentRefreshToken: Bool, storedBy: String
    ) throws {
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
                    String(portalID), tokens.clientID, tokens.keyID, tokens.refreshToken, tokens.accessToken,
                    tokens.accessExpiresAt.map { String($0) }, tokens.seedDigest, spentRefreshToken ? "1" : "0",
                    storedBy,
                ])
            if let member = tokens.memberID {
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
}
