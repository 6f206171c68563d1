import ClinicDomain
import Foundation

/// One row of the audit trail: who did or read what, under which request, with what outcome.
public struct AuditEntry: Hashable, Sendable {
    public enum Outcome: String, Sendable { case success, denied, failed }

    public let actor: Actor
    /// A verb such as `referral.create` or `referral.read`.
    public let action: String
    public let entityType: String
    public let entityID: UUID?
    public let outcome: Outcome
    /// The clinic concerned, when the entry is a refusal of a clinic outside the caller's scope.
    public let clinicID: ClinicID?

    public init(
        actor: Actor, action: String, entityType: String, entityID: UUID?, outcome: Outcome = .success,
        clinicID: ClinicID? = nil
    ) {
        self.actor = actor
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.outcome = outcome
        self.clinicID = clinicID
    }
}

/// Writes audit rows that do not belong to a larger transaction (reads, denials).
public protocol AuditStore: Sendable {
    func record(_ entry: AuditEntry) async throws
    /// An entity's entries in order, after the entry with id `after`.
    func entries(entityID: UUID, after: Int64?, limit: Int) async throws -> [StoredAuditEntry]
}

/// An audit row as read back.
public struct StoredAuditEntry: Hashable, Sendable {
    public let id: Int64
    public let occurredAt: Date
    public let actorName: String
    public let actorRole: String
    public let action: String
    public let entityType: String
    public let entityID: UUID?
    public let requestID: String?
    public let outcome: String
    public let clinicID: ClinicID?

    public init(
        id: Int64, occurredAt: Date, actorName: String, actorRole: String, action: String,
        entityType: String, entityID: UUID?, requestID: String?, outcome: String, clinicID: ClinicID? = nil
    ) {
        self.clinicID = clinicID
        self.id = id
        self.occurredAt = occurredAt
        self.actorName = actorName
        self.actorRole = actorRole
        self.action = action
        self.entityType = entityType
        self.entityID = entityID
        self.requestID = requestID
        self.outcome = outcome
    }
}
