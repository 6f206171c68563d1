import ClinicDomain
import ClinicServices
import Foundation

/// A clinic the seeds make: fixed ids (so a second run finds it), a zone, and its rooms and
/// clinicians, everyone working the clinic's hours, Monday to Friday 07:00-17:00, so it is
/// bookable from the first run.
public struct SeededClinic: Sendable {
    public let id: ClinicID
    public let name: String
    public let timeZone: String
    public let resources: [(id: ResourceID, kind: ResourceKind, name: String)]
    /// What its published Location says (example numbers and addresses, none real).
    public let contact: ClinicContact

    /// The demo clinic (`seed --demo`): Arizona, no daylight saving.
    public static let demo = SeededClinic(
        id: "0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f01", name: "Desert Spine Center",
        timeZone: "America/Phoenix",
        contact: (
            "+1-480-555-0142 ext. 2", "https://desert-spine.example.org/book", ["4410 E Camelback Rd", "Suite 200"],
            "Phoenix", "AZ", "85018"
        ),
        resources: [
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f11", .procedureRoom, "Procedure Suite 1"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f12", .procedureRoom, "Procedure Suite 2"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f13", .consultRoom, "Consult Room A"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f14", .proceduralist, "Dr. Maria Alvarez"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f15", .evaluator, "Dr. Kevin Chen"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f16", .anesthesia, "Dr. Priya Patel, CRNA"),
        ])

    /// The clinic `seed --synthetic` uses without --clinic: Denver, so a history crosses DST
    /// changes; two procedure rooms, a consult room, two proceduralists, two evaluators and an
    /// anesthesia provider.
    public static let synthetic = SeededClinic(
        id: "5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c01", name: "Front Range Spine Center",
        timeZone: "America/Denver",
        contact: (
            "+1-303-555-0186", "https://front-range-spine.example.org", ["1600 Grant St"], "Denver", "CO", "80203"
        ),
        resources: [
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c11", .procedureRoom, "Procedure Room 1"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c12", .procedureRoom, "Procedure Room 2"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c13", .consultRoom, "Consult Room 1"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c14", .proceduralist, "Dr. Elena Marsh"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c15", .proceduralist, "Dr. Tomas Rivera"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c16", .evaluator, "Dr. Hannah Okafor"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c17", .evaluator, "Dr. Ravi Iyer"),
            ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c18", .anesthesia, "Jordan Blake, CRNA"),
        ])

    /// The ids are literals of this file: a malformed one is a programming error caught by the
    /// simulation's tests on their first run.
    private init(
        id: String, name: String, timeZone: String,
        contact: (phone: String, website: String, lines: [String], city: String, state: String, postalCode: String),
        resources: [(String, ResourceKind, String)]
    ) {
        self.id = ClinicID(UUID(uuidString: id)!)
        self.name = name
        self.timeZone = timeZone
        self.contact = try! ClinicContact(
            phone: contact.phone, website: contact.website, addressLines: contact.lines, city: contact.city,
            state: contact.state, postalCode: contact.postalCode, country: "US")
        self.resources = resources.map { (ResourceID(UUID(uuidString: $0.0)!), $0.1, $0.2) }
    }

    /// Creates the clinic, its resources and their weekly templates, or leaves what exists as it is.
    /// - Returns: whether the clinic existed before.
    @discardableResult
    public func prepare(_ setup: ClinicSetupService, actor: Actor) async throws -> Bool {
        var stored: ClinicSetup?
        do {
            stored = try await setup.clinicSetup(id: id, actor: actor)
        } catch ServiceError.notFound {
            stored = nil
        }
        // A clinic seeded before contact details existed gets them; one that has them keeps its own.
        if let stored, stored.clinic.contact == .none {
            _ = try await setup.setContact(clinicID: id, contact, actor: actor)
        }
        let existed = stored != nil
        let hours = try (1...5).map {
            try OpeningHours(weekday: $0, opens: LocalTime("07:00"), closes: LocalTime("17:00"))
        }
        try await setup.createClinic(
            id: id, name: name, timeZone: timeZone, hours: hours, contact: contact, actor: actor)
        for resource in resources {
            try await setup.ensureResource(
                id: resource.id, clinicID: id, kind: resource.kind, name: resource.name, actor: actor)
            _ = try await setup.setTemplate(
                resourceID: resource.id, windows: (1...5).map { ($0, "07:00", "17:00") },
                actor: actor)
        }
        return existed
    }
}

/// Why a seed cannot run, with what to do about it.
public struct SeedError: Error, CustomStringConvertible {
    public let description: String
}

extension ClinicSetup {
    /// Refuses a clinic nobody could be booked at, naming what is missing.
    func checkBookable(resources: [ResourceSetup]) throws {
        let working = Set(resources.filter { !$0.windows.isEmpty }.map(\.resource.kind))
        let missing = [ResourceKind.consultRoom, .evaluator, .procedureRoom, .proceduralist].filter {
            !working.contains($0)
        }
        guard !hours.isEmpty, missing.isEmpty else {
            throw SeedError(
                description: "clinic \(clinic.id) cannot be booked: "
                    + (hours.isEmpty
                        ? "it has no opening hours"
                        : "no \(missing.map(\.rawValue).joined(separator: ", ")) with a weekly template")
                    + "; add them with `clinic resource add --clinic ID --kind KIND --name NAME --window 1-5=07:00-17:00`"
            )
        }
    }
}
