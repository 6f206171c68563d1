import ClinicDomain
import Foundation

/// Reading the audit trail (network-wide admins only at the API: it names every clinic's
/// entities). Reading it is itself audited.
public struct AuditService: Sendable {
    private let store: any AuditStore
    private let reach: ClinicReach

    public init(store: any AuditStore, reach: ClinicReach) {
        self.store = store
        self.reach = reach
    }

    /// One page of an entity's audit entries, oldest first.
    public struct Page: Sendable {
        public let items: [StoredAuditEntry]
        /// The last entry's id when more may follow.
        public let next: Int64?
    }

    public static let maximumPageSize = 500

    /// - Parameter after: the id the previous page ended at.
    public func entries(entityID: UUID, limit: Int?, after: Int64?, actor: Actor) async throws -> Page {
        try await reach.requireNetwork(actor, to: "read the audit trail")
        let limit = limit ?? 100
        guard (1...Self.maximumPageSize).contains(limit) else {
            throw ServiceError.invalid("/limit", "must be between 1 and \(Self.maximumPageSize)")
        }
        try await store.record(AuditEntry(actor: actor, action: "audit.read", entityType: "audit", entityID: entityID))
        let items = try await store.entries(entityID: entityID, after: after, limit: limit + 1)
        let page = Array(items.prefix(limit))
        return Page(items: page, next: items.count > limit ? page.last?.id : nil)
    }
}
