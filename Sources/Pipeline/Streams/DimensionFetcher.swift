import Extract
import Load
import Star

/// Reads the contacts and companies a chunk refers to that this pass has not read yet and, unless
/// it refreshes them, that `dw` does not hold yet; leads and deals share the way.
final class DimensionFetcher: Sendable {
    private let run: RunContext
    private let seen = SeenDimensions()
    /// Whether contacts and companies already in `dw` are read again (full runs refresh them).
    private let refreshesKnown: Bool

    /// A fetcher for one pass of `run`.
    init(run: RunContext, refreshesKnown: Bool) {
        self.run = run
        self.refreshesKnown = refreshesKnown
    }

    /// The rows of the referred contacts and companies still to read, and the records that could
    /// not be turned into rows.
    func read(
        _ referred: DimensionIDs
    ) async throws -> (contacts: [ContactRecord], companies: [CompanyRecord], rejected: [TransformError]) {
        var wanted = await seen.claim(referred)
        if !refreshesKnown, !wanted.isEmpty {
            let portalID = run.portalID
            let candidates = wanted
            let known = try await run.database.run { try $0.existingDimensions(portalID: portalID, ids: candidates) }
            wanted = wanted.subtracting(known)
        }
        guard !wanted.isEmpty else { return ([], [], []) }
        let answer = try await DimensionReader(client: run.client).read(
            contactIDs: wanted.contacts.sorted(), companyIDs: wanted.companies.sorted())
        let transformer = run.transformer
        var result: (contacts: [ContactRecord], companies: [CompanyRecord], rejected: [TransformError]) = ([], [], [])
        for row in answer.contacts {
            do { result.contacts.append(try transformer.contact(row)) } catch { result.rejected.append(error) }
        }
        for row in answer.companies {
            do { result.companies.append(try transformer.company(row)) } catch { result.rejected.append(error) }
        }
        return result
    }
}

/// Contacts and companies already read in this run, so each is fetched once.
actor SeenDimensions {
    private var seen = DimensionIDs()

    /// The ids of `wanted` not claimed before, now claimed.
    func claim(_ wanted: DimensionIDs) -> DimensionIDs {
        let new = wanted.subtracting(seen)
        seen.contacts.formUnion(new.contacts)
        seen.companies.formUnion(new.companies)
        return new
    }
}
