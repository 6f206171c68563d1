import ClinicDomain
import Foundation

/// The change feed, stored: the outbox the database's triggers write in each change's own
/// transaction, and the positions the sequencer gives its rows once they commit.
public protocol ChangeStore: Sendable {
    /// Gives a feed position to every committed change that has none yet, in the order they
    /// became visible; one sequencer at a time across all servers. Returns how many it placed.
    @discardableResult func sequence() async throws -> Int
    /// The placed changes after `position` in `scope` (and of `types` when given), oldest first,
    /// with the newest placed position in `scope` as the same read saw it.
    func changes(after position: Int64, types: [ChangeType]?, limit: Int, scope: ClinicScope) async throws
        -> ChangeFeedRead
}

/// One read of the feed: the events it found, and how far the feed went when it looked.
public struct ChangeFeedRead: Sendable {
    public let events: [ChangeEvent]
    /// The newest placed position the read could see (0 for an empty feed). Positions are placed
    /// in order and only after commit, so every matching event up to it was in the read.
    public let newest: Int64

    public init(events: [ChangeEvent], newest: Int64) {
        self.events = events
        self.newest = newest
    }
}

/// `GET /v1/changes`: what happened, in order, resumable from any position.
public struct ChangeFeedService: Sendable {
    private let store: any ChangeStore
    private let audit: any AuditStore
    public static let maximumPage = 1000

    public init(store: any ChangeStore, audit: any AuditStore) {
        self.store = store
        self.audit = audit
    }

    /// The actor's clinics' events after `after`, and the `after` to pass next.
    public func changes(after: Int64, types: [ChangeType]?, limit: Int, actor: Actor) async throws
        -> (items: [ChangeEvent], next: Int64)
    {
        // The contract's bound: the largest integer every JSON client reads exactly.
        guard (0...9_007_199_254_740_991).contains(after) else {
            throw ServiceError.invalid("/after", "must be from 0 to 9007199254740991")
        }
        guard (1...Self.maximumPage).contains(limit) else {
            throw ServiceError.invalid("/limit", "must be from 1 to \(Self.maximumPage)")
        }
        // A client that just made a change sees it: place what has committed before reading.
        try await store.sequence()
        let read = try await store.changes(
            after: after, types: types.flatMap { $0.isEmpty ? nil : $0 }, limit: limit, scope: actor.scope)
        try await audit.record(AuditEntry(actor: actor, action: "change.list", entityType: "change", entityID: nil))
        // A page that is not full read the feed to its end: the next poll starts there, not at the
        // last event it kept, or a poller of a rare type would scan the same others every time.
        let items = read.events
        guard items.count < limit else { return (items, items.last?.position ?? after) }
        return (items, max(after, read.newest))
    }
}

/// A change event as JSON, the one shape the feed's webhooks send (the API's ChangeEvent schema).
public struct ChangeEventBody: Codable, Sendable {
    public let id: String
    public let position: Int64
    public let type: String
    public let occurredAt: String
    public let clinicId: String
    public let referralId: String
    public let entity: String
    public let entityId: String
    public let data: [String: String]

    public init(_ event: ChangeEvent) {
        id = event.id.uuidString.lowercased()
        position = event.position
        type = event.type.rawValue
        occurredAt = RFC3339.format(event.occurredAt)
        clinicId = event.clinicID.description
        referralId = event.referralID.description
        entity = event.entity.rawValue
        entityId = event.entityID.uuidString.lowercased()
        data = event.data
    }

    /// Compact JSON with sorted keys: the exact bytes a webhook signs.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }
}
