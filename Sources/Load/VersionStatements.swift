/// The SCD2 statements of one versioned fact (`dw.fact_lead_version`, `dw.fact_deal_version`):
/// a version closes and a new one opens when a tracked attribute changes, and when the record is
/// deleted or comes back; every time is on the portal's clock.
struct VersionStatements: Sendable {
    /// The versions table.
    let versions: String
    /// The fact the versions follow.
    let fact: StarTable
    /// The fact's id column.
    let id: String
    /// The attributes whose change opens a version.
    let tracked: [String]

    /// Lead versions.
    static let lead = VersionStatements(
        versions: "dw.fact_lead_version", fact: .factLead, id: "lead_id", tracked: StarTable.trackedLeadColumns)
    /// Deal versions.
    static let deal = VersionStatements(
        versions: "dw.fact_deal_version", fact: .factDeal, id: "deal_id", tracked: StarTable.trackedDealColumns)

    private var trackedList: String { tracked.joined(separator: ", ") }

    private func prefixed(_ alias: String) -> String {
        tracked.map { "\(alias).\($0)" }.joined(separator: ", ")
    }

    /// Closes the current version of every staged record whose tracked attributes changed, or that
    /// comes back from being deleted, when the record says it changed (its `DATE_MODIFY`; the
    /// portal's clock `$3` when it says nothing or a time before the version began).
    /// `$1`: portal_id.
    var closeChanged: String {
        """
        UPDATE \(versions) v SET is_current = false,
               valid_to = CASE WHEN s.modified_at > v.valid_from THEN s.modified_at
                               ELSE greatest(v.valid_from, to_timestamp($3)) END
        FROM \(fact.staging) s
        WHERE v.portal_id = $1 AND v.\(id) = s.\(id) AND v.is_current
          AND (\(prefixed("v")), v.is_deleted) IS DISTINCT FROM (\(prefixed("s")), false)
        """
    }

    /// Opens a version for every staged record without a current one, from where the previous one
    /// ended (or its `DATE_MODIFY`, `DATE_CREATE`, the portal's clock `$3`).
    /// `$1`: portal_id; `$2`: run_id.
    var openMissing: String {
        """
        INSERT INTO \(versions) (portal_id, \(id), version, valid_from, is_current, \(trackedList), is_deleted, run_id)
        SELECT $1, s.\(id), COALESCE(p.version, 0) + 1,
               COALESCE(p.valid_to, s.modified_at, s.created_at, to_timestamp($3)), true, \(prefixed("s")), false, $2
        FROM \(fact.staging) s
        LEFT JOIN LATERAL (
            SELECT v.version, v.valid_to FROM \(versions) v
            WHERE v.portal_id = $1 AND v.\(id) = s.\(id) ORDER BY v.version DESC LIMIT 1) p ON true
        WHERE NOT EXISTS (SELECT 1 FROM \(versions) v WHERE v.portal_id = $1 AND v.\(id) = s.\(id) AND v.is_current)
        """
    }

    /// Marks every live record missing from the staged scan (`pg_temp.stage_ids`) deleted at the
    /// portal time `$3`, closes its current version there and opens one with `is_deleted` (its
    /// attributes as last seen). `also` are further data-modifying CTEs over `marked`.
    /// `$1` portal_id, `$2` run_id. Its row count is the number of records marked.
    func markDeleted(also: String = "") -> String {
        """
        WITH marked AS (
            UPDATE \(fact.name) f SET is_deleted = true, deleted_at = to_timestamp($3), last_run_id = $2
            WHERE f.portal_id = $1 AND NOT f.is_deleted
              AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = f.\(id))
            RETURNING f.\(id), \(prefixed("f"))
        )\(also), closed AS (
            UPDATE \(versions) v SET is_current = false, valid_to = greatest(v.valid_from, to_timestamp($3))
            FROM marked m WHERE v.portal_id = $1 AND v.\(id) = m.\(id) AND v.is_current
            RETURNING v.\(id), v.version, v.valid_to
        )
        INSERT INTO \(versions) (portal_id, \(id), version, valid_from, is_current, \(trackedList), is_deleted, run_id)
        SELECT $1, m.\(id),
               COALESCE(c.version, (SELECT max(x.version) FROM \(versions) x
                                    WHERE x.portal_id = $1 AND x.\(id) = m.\(id)), 0) + 1,
               COALESCE(c.valid_to, to_timestamp($3)), true, \(prefixed("m")), true, $2
        FROM marked m LEFT JOIN closed c ON c.\(id) = m.\(id)
        """
    }
}
