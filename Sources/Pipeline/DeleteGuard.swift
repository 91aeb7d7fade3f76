import Load

/// The mass-delete guard: list methods silently leave out what the webhook's user may not read,
/// so a scan that would mark many loaded leads deleted is more likely narrowed rights than a
/// real clean-up. Such a scan marks nothing and the run fails loudly, unless accepted once.
public struct DeleteGuard: Sendable, Equatable {
    /// The largest share of live leads one scan may mark deleted (default 5 %).
    public var maxShare: Double
    /// Below this many leads a scan is never refused (small portals delete a few at once).
    public var minimum: Int
    /// Accept one mass delete (`--allow-mass-delete`): a real clean-up.
    public var allowMassDelete: Bool

    /// A guard; the defaults are the product's.
    public init(maxShare: Double = 0.05, minimum: Int = 50, allowMassDelete: Bool = false) {
        self.maxShare = maxShare
        self.minimum = minimum
        self.allowMassDelete = allowMassDelete
    }

    /// Whether the scan may mark what `plan` says.
    public func allows(_ plan: DeletePlan) -> Bool {
        allowMassDelete || plan.missing < minimum || plan.share <= maxShare
    }

    /// What a user sees when the guard refuses `plan` (of `entity`: leads or deals).
    public func refusal(_ plan: DeletePlan, entity: String = "leads") -> String {
        let single = entity == "deals" ? "deal" : "lead"
        return "the delete scan would mark \(plan.missing) of \(plan.live) live \(entity) deleted "
            + "(\(Self.percent(plan.share)), more than the \(Self.percent(maxShare)) allowed); nothing was marked. "
            + "Most likely the webhook's user cannot see them: check its rights (an administrator's webhook "
            + "sees every \(single)). If they really were deleted, run once with --allow-mass-delete"
    }

    /// What a user sees when the scan listed fewer ids than the portal counted.
    public static func incompleteScan(listed: Int, counted: Int, entity: String = "lead") -> String {
        "the delete scan listed \(listed) \(entity) ids but the portal counted \(counted) for the same filter; "
            + "nothing was marked deleted (\(entity)s hidden from the webhook's user, or deleted during the scan). "
            + "Run again; if it repeats, check the webhook user's rights"
    }

    static func percent(_ share: Double) -> String {
        let tenths = (share * 1_000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10) %"
    }
}
