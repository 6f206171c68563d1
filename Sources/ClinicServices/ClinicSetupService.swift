import ClinicDomain
import Foundation

/// Writes clinic configuration.
public protocol ClinicSetupStore: Sendable {
    /// - Returns: false when a clinic with this id already exists (nothing changed).
    func create(_ clinic: Clinic, hours: [OpeningHours], actor: Actor) async throws -> Bool
    /// - Returns: false when the resource (same id, or same name at the clinic) already exists.
    func addResource(_ resource: Resource, actor: Actor) async throws -> Bool
    func triageTargets(clinicID: ClinicID) async throws -> TriageTargets
    /// - Returns: false when the clinic does not exist.
    func setTriageTargets(_ targets: TriageTargets, clinicID: ClinicID, actor: Actor) async throws -> Bool
}

/// Creating clinics and their resources (the CLI and the demo seed use it; the API will too).
public struct ClinicSetupService: Sendable {
    private let store: any ClinicSetupStore

    public init(store: any ClinicSetupStore) { self.store = store }

    @discardableResult
    public func createClinic(id: ClinicID = .random(), name: String, timeZone: String, hours: [OpeningHours],
                             actor: Actor) async throws -> Clinic {
        var collector = ViolationCollector()
        let name = collector.check("/name") { try BoundedText(name, maxLength: 200) }
        let zone = collector.check("/timeZone") { try ClinicTimeZone(timeZone) }
        if Set(hours.map(\.weekday)).count != hours.count { collector.add("/hours", "has a weekday twice") }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        let clinic = Clinic(id: id, name: name!, timeZone: zone!)
        _ = try await store.create(clinic, hours: hours, actor: actor)
        return clinic
    }

    @discardableResult
    public func addResource(id: ResourceID = .random(), clinicID: ClinicID, kind: ResourceKind, name: String,
                            actor: Actor) async throws -> Resource {
        let resource = Resource(id: id, clinicID: clinicID, kind: kind, name: try validated("/name") { try BoundedText(name, maxLength: 200) })
        _ = try await store.addResource(resource, actor: actor)
        return resource
    }

    /// Changes a clinic's triage targets. Referrals keep their due dates until they are next
    /// re-triaged (a result revision, an edit, an override): dates already promised do not move.
    public func setTriageTargets(clinicID text: String, urgentDueDays: Int?, routineDueDays: Int?, candidacyWindowDays: Int?,
                                 actor: Actor) async throws -> TriageTargets {
        guard let clinicID = ClinicID(string: text) else { throw ServiceError.invalid("/clinicId", "must be a UUID") }
        let current = try await store.triageTargets(clinicID: clinicID)
        let targets: TriageTargets
        do {
            targets = try TriageTargets.validated(urgentDueDays: urgentDueDays ?? current.urgentDueDays,
                                                  routineDueDays: routineDueDays ?? current.routineDueDays,
                                                  candidacyWindowDays: candidacyWindowDays ?? current.candidacyWindowDays)
        } catch let error as ValidationError {
            throw ServiceError.invalid(error)
        }
        guard try await store.setTriageTargets(targets, clinicID: clinicID, actor: actor) else {
            throw ServiceError.notFound(entity: "clinic")
        }
        return targets
    }
}
