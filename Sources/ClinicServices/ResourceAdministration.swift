import ClinicDomain
import Foundation

/// What renaming, deactivating and blocking a resource need stored: its bookings and blocks.
public protocol ResourceAdminStore: Sendable {
    /// The resource, active or not, with its template; nil when it does not exist.
    func resource(id: ResourceID) async throws -> ResourceSetup?
    /// The live bookings (held, booked, confirmed, checked in) that hold the resource and end
    /// after `after`, earliest first, at most `limit`.
    func futureBookings(resourceID: ResourceID, after: Date, limit: Int, scope: ClinicScope) async throws
        -> [BookingReference]
    /// Renames and/or (de)activates in one transaction, the resource locked; deactivation is
    /// refused while it holds live bookings ending after `actor.at`.
    func updateResource(id: ResourceID, name: BoundedText?, active: Bool?, actor: Actor) async throws
        -> ResourceUpdateOutcome
    /// Stores the block unless live bookings overlap it and `block.overBookings` is false.
    func addBlock(_ block: ResourceBlock, actor: Actor) async throws -> BlockOutcome
    /// The resource's blocks that end after `from` and start before `to`, by start, after `cursor`:
    /// up to `limit + 1`, so the caller knows whether a page follows.
    func blocks(resourceID: ResourceID, from: Date, to: Date?, after cursor: BlockCursor?, limit: Int) async throws
        -> [ResourceBlock]
    /// - Returns: false when the resource has no such block.
    func deleteBlock(id: BlockID, resourceID: ResourceID, actor: Actor) async throws -> Bool
}

/// How a change to a resource ended.
public enum ResourceUpdateOutcome: Sendable {
    case updated(ResourceSetup)
    case notFound
    case nameTaken
    case holdsBookings([BookingReference])
}

/// How adding a block ended: stored (with the bookings it lies over, when stated), or refused.
public enum BlockOutcome: Sendable {
    case added(covering: [BookingReference])
    case resourceNotFound
    case overlapsBookings([BookingReference])
}

/// A resource as its admin screen shows it: the resource and the future bookings it holds.
public struct ResourceDetail: Sendable {
    public let setup: ResourceSetup
    public let futureBookings: [BookingReference]
}

/// Renaming, deactivating and blocking resources: the admin's side of a clinic's rooms and people.
public struct ResourceAdministration: Sendable {
    private let store: any ResourceAdminStore
    private let reach: ClinicReach
    /// The most future bookings a resource's answer lists.
    public static let bookingListLimit = 500
    private static let noResource = ServiceError.notFound(entity: "resource")

    public init(store: any ResourceAdminStore, reach: ClinicReach) {
        self.store = store
        self.reach = reach
    }

    /// The resource and the live bookings it holds that end after now.
    public func resource(id: ResourceID, actor: Actor) async throws -> ResourceDetail {
        try await reach.require(.resource(id), actor, else: Self.noResource)
        guard let setup = try await store.resource(id: id) else { throw Self.noResource }
        return ResourceDetail(
            setup: setup,
            futureBookings: try await store.futureBookings(
                resourceID: id, after: actor.at, limit: Self.bookingListLimit, scope: actor.scope))
    }

    /// Renames and/or deactivates (or reactivates) a resource. Deactivating one that still holds
    /// live bookings ending after now is refused, naming them: they must be moved first.
    public func update(id: ResourceID, name: String?, active: Bool?, actor: Actor) async throws -> ResourceDetail {
        try await reach.require(.resource(id), actor, else: Self.noResource)
        guard name != nil || active != nil else {
            throw ServiceError.invalid("", "send a new name, active, or both")
        }
        let bounded = try name.map { name in try validated("/name") { try BoundedText(name, maxLength: 200) } }
        switch try await store.updateResource(id: id, name: bounded, active: active, actor: actor) {
        case .notFound: throw Self.noResource
        case .nameTaken: throw ServiceError.conflict("the clinic already has a resource named \(bounded?.value ?? "")")
        case .holdsBookings(let bookings):
            throw ServiceError.bookingsInTheWay(
                "The resource holds \(bookings.count) future booking(s); move or cancel them before deactivating it.",
                bookings)
        case .updated(let setup):
            return ResourceDetail(
                setup: setup,
                futureBookings: try await store.futureBookings(
                    resourceID: id, after: actor.at, limit: Self.bookingListLimit, scope: actor.scope))
        }
    }

    /// Blocks a resource for a holiday, leave or maintenance. Over live bookings only when
    /// `overBookings` says so; otherwise refused naming each booking in the way.
    public func addBlock(
        resourceID id: ResourceID, starts: Date, ends: Date, kind: BlockKind, reason: String, overBookings: Bool,
        actor: Actor
    ) async throws -> (block: ResourceBlock, covering: [BookingReference]) {
        try await reach.require(.resource(id), actor, else: Self.noResource)
        var collector = ViolationCollector()
        let reason = collector.check("/reason") { try BoundedText(reason, maxLength: 500) }
        let block = reason.flatMap { reason in
            collector.check("") {
                try ResourceBlock(
                    id: .random(), resourceID: id, starts: starts, ends: ends, kind: kind, reason: reason,
                    overBookings: overBookings)
            }
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        guard let block else { throw ServiceError.invalid("", "is not a valid block") }
        switch try await store.addBlock(block, actor: actor) {
        case .resourceNotFound: throw Self.noResource
        case .overlapsBookings(let bookings):
            throw ServiceError.bookingsInTheWay(
                "The block lies over \(bookings.count) live booking(s); move them, or send overBookings: true to block anyway.",
                bookings)
        case .added(let covering): return (block, covering)
        }
    }

    /// The largest page of blocks.
    public static let maximumBlockPage = 100

    /// The resource's blocks ending after `from` (default now) and starting before `to`.
    public func blocks(
        resourceID id: ResourceID, from: Date?, to: Date?, after cursor: BlockCursor?, limit: Int, actor: Actor
    ) async throws -> (items: [ResourceBlock], next: BlockCursor?) {
        try await reach.require(.resource(id), actor, else: Self.noResource)
        guard (1...Self.maximumBlockPage).contains(limit) else {
            throw ServiceError.invalid("/limit", "must be from 1 to \(Self.maximumBlockPage)")
        }
        for (pointer, bound) in [("/from", from), ("/to", to)] {
            if let bound, !Date.storableRange.contains(bound) {
                throw ServiceError.invalid(pointer, "must be within years 0001-9999")
            }
        }
        let from = from ?? actor.at
        if let to, to <= from { throw ServiceError.invalid("/to", "must be after from") }
        guard try await store.resource(id: id) != nil else { throw Self.noResource }
        let rows = try await store.blocks(resourceID: id, from: from, to: to, after: cursor, limit: limit)
        let items = Array(rows.prefix(limit))
        return (items, rows.count > limit ? items.last.flatMap(BlockCursor.init(after:)) : nil)
    }

    /// Lifts a block: its time is bookable again.
    public func deleteBlock(id: BlockID, resourceID: ResourceID, actor: Actor) async throws {
        try await reach.require(.resource(resourceID), actor, else: Self.noResource)
        guard try await store.deleteBlock(id: id, resourceID: resourceID, actor: actor) else {
            throw ServiceError.notFound(entity: "block")
        }
    }
}
