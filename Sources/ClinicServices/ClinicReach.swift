import ClinicDomain
import Foundation

/// An entity that belongs to one clinic, named by its id.
public enum ScopedEntity: Hashable, Sendable {
    case clinic(ClinicID)
    case resource(ResourceID)
    case referral(ReferralID)
    case appointment(AppointmentID)
    case offer(OfferID)
    case imagingResult(ImagingResultID)
    case patient(PatientID)

    /// The entity's type as the audit trail names it.
    public var type: String {
        switch self {
        case .clinic: "clinic"
        case .resource: "resource"
        case .referral: "referral"
        case .appointment: "appointment"
        case .offer: "offer"
        case .imagingResult: "imaging_result"
        case .patient: "patient"
        }
    }

    public var id: UUID {
        switch self {
        case .clinic(let id): id.rawValue
        case .resource(let id): id.rawValue
        case .referral(let id): id.rawValue
        case .appointment(let id): id.rawValue
        case .offer(let id): id.rawValue
        case .imagingResult(let id): id.rawValue
        case .patient(let id): id.rawValue
        }
    }
}

/// Finds the clinic an entity belongs to, whatever the caller's scope: only for deciding and
/// auditing a refusal, never to read the entity itself.
public protocol EntityLocator: Sendable {
    /// The entity's clinic; nil when no such entity exists.
    func clinic(of entity: ScopedEntity) async throws -> ClinicID?
}

/// The one check of a principal's clinic scope in the services.
///
/// Patient data is filtered by the database itself (row-level security on the scope each
/// connection carries), so a referral, appointment, offer or imaging result outside the scope is
/// simply not found. What the database does not filter (clinics, resources, their settings) is
/// checked here before it is read or changed. Either way the caller learns nothing: an entity
/// outside the scope is answered exactly as one that does not exist, and the refusal is audited
/// with the clinic that was asked for.
public struct ClinicReach: Sendable {
    let locator: any EntityLocator
    let audit: any AuditStore

    public init(locator: any EntityLocator, audit: any AuditStore) {
        self.locator = locator
        self.audit = audit
    }

    /// Goes on when `actor` reaches the clinic; otherwise audits and throws `refusal` (a 404 for
    /// a clinic in the path, an unknown reference for one named in a query or body).
    public func require(_ clinic: ClinicID, _ actor: Actor, else refusal: ServiceError) async throws {
        guard !actor.principal.scope.reaches(clinic) else { return }
        await record(.clinic(clinic), clinic: clinic, actor)
        throw refusal
    }

    /// Goes on when `entity` exists in a clinic `actor` reaches; otherwise (no such entity, or
    /// outside the scope) audits a refusal and throws `refusal`.
    public func require(_ entity: ScopedEntity, _ actor: Actor, else refusal: ServiceError) async throws {
        if case .clinic(let clinic) = entity { return try await require(clinic, actor, else: refusal) }
        guard let clinic = try await locator.clinic(of: entity) else { throw refusal }
        guard !actor.principal.scope.reaches(clinic) else { return }
        await record(entity, clinic: clinic, actor)
        throw refusal
    }

    /// Only a network-wide principal may go on: creating clinics, editing the rule sets every
    /// clinic shares, reading the whole audit trail, the network report.
    public func requireNetwork(_ actor: Actor, to action: String) async throws {
        guard !actor.principal.scope.isNetwork else { return }
        try? await audit.record(
            AuditEntry(actor: actor, action: "scope.refused", entityType: "network", entityID: nil, outcome: .denied))
        throw ServiceError.forbidden("Only a network-wide token may \(action); this token reaches some clinics only.")
    }

    /// Runs `body`, which reads or changes `entity` within the actor's scope. When it finds no
    /// such entity (a 404, or an unknown reference for an id named in a body), the entity may
    /// exist in a clinic outside the scope: that refusal is audited with its clinic, and the
    /// error goes on unchanged.
    public func within<Result>(
        _ entity: ScopedEntity, _ actor: Actor, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as ServiceError {
            switch error {
            case .notFound, .unknownReference:
                if !actor.principal.scope.isNetwork, let clinic = try? await locator.clinic(of: entity),
                    !actor.principal.scope.reaches(clinic)
                {
                    await record(entity, clinic: clinic, actor)
                }
            default: break
            }
            throw error
        }
    }

    private func record(_ entity: ScopedEntity, clinic: ClinicID, _ actor: Actor) async {
        // The refusal stands whether or not its audit row could be written.
        try? await audit.record(
            AuditEntry(
                actor: actor, action: "scope.refused", entityType: entity.type, entityID: entity.id,
                outcome: .denied, clinicID: clinic))
    }
}
