import ClinicDomain
import Foundation

/// Reading the audit trail (admin only at the API). Reading it is itself audited.
public struct AuditService: Sendable {
    private let store: any AuditStore

    public init(store: any AuditStore) { self.store = store }

    /// One page of an entity's audit entries, oldest first.
    public struct Page: Sendable {
        public let items: [StoredAuditEntry]
        /// The last entry's id when more may follow.
        public let next: Int64?
    }

    public static let maximumPageSize = 500

    /// - Parameter after: the id the previous page ended at.
    public func entries(entityID text: String, limit: Int?, after: Int64?, actor: Actor) async throws -> Page {
        var collector = ViolationCollector()
        let entityID = UUID(uuidString: text)
        if entityID == nil { collector.add("/entityId", "must be a UUID") }
        let limit = limit ?? 100
        if !(1...Self.maximumPageSize).contains(limit) { collector.add("/limit", "must be between 1 and \(Self.maximumPageSize)") }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        try await store.record(AuditEntry(actor: actor, action: "audit.read", entityType: "audit", entityID: entityID))
        let items = try await store.entries(entityID: entityID!, after: after, limit: limit + 1)
        let page = Array(items.prefix(limit))
        return Page(items: page, next: items.count > limit ? page.last?.id : nil)
    }
}
