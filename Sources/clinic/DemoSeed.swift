import ClinicDomain
import ClinicServices
import Foundation

/// The demo data set: one clinic in Arizona (no daylight saving) with its rooms and clinicians,
/// and referrals that look like a real week's intake. Fixed ids and idempotency keys make it
/// safe to load twice.
struct DemoSeed {
    let services: APIServices
    let setup: ClinicSetupService

    static let clinicID = ClinicID(UUID(uuidString: "0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f01")!)
    private let actor = Actor(principal: .commandLine("clinic seed --demo"), requestID: nil)

    func load() async throws -> String {
        let weekdays = try (1...5).map { try OpeningHours(weekday: $0, opens: LocalTime("07:00"), closes: LocalTime("17:00")) }
        let clinic = try await setup.createClinic(id: Self.clinicID, name: "Desert Spine Center", timeZone: "America/Phoenix",
                                                  hours: weekdays, actor: actor)
        let resources: [(String, ResourceKind, String)] = [
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f11", .procedureRoom, "Procedure Suite 1"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f12", .procedureRoom, "Procedure Suite 2"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f13", .consultRoom, "Consult Room A"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f14", .proceduralist, "Dr. Maria Alvarez"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f15", .evaluator, "Dr. Kevin Chen"),
            ("0d6f3a52-8c1e-4b7a-9a43-5e2b7c9d1f16", .anesthesia, "Dr. Priya Patel, CRNA"),
        ]
        for (id, kind, name) in resources {
            try await setup.addResource(id: ResourceID(UUID(uuidString: id)!), clinicID: clinic.id, kind: kind, name: name, actor: actor)
        }
        var created = 0
        for (index, draft) in referrals().enumerated() {
            do {
                let result = try await services.referrals.create(draft, idempotencyKey: "demo-referral-\(index + 1)", actor: actor)
                if !result.replayed { created += 1 }
            } catch ServiceError.idempotencyKeyReused {
                continue // Seeded on an earlier day; leave it.
            }
        }
        return "Demo clinic \(clinic.name) (\(clinic.id), \(clinic.timeZone)): \(resources.count) resources, \(created) new referrals."
    }

    private func referrals() -> [ReferralDraft] {
        let clinicID = Self.clinicID.description
        return [
            ReferralDraft(clinicID: clinicID,
                          patient: .init(mrn: "DSC-100234", givenName: "Eleanor", familyName: "Whitfield", birthDate: "1957-03-14", sex: .female),
                          referringClinicianName: "Dr. Samuel Ortiz", referringClinicianNPI: "1234567893",
                          reason: "L1 wedge fracture, 30% height loss, STIR edema on MRI; pain NRS 7 despite 5 weeks of bracing.",
                          symptomOnset: "2026-10-30"),
            ReferralDraft(clinicID: clinicID,
                          patient: .init(mrn: "DSC-100871", givenName: "Harold", familyName: "Benally", birthDate: "1949-11-02", sex: .male),
                          referringClinicianName: "Dr. Lucy Tran", referringClinicianNPI: nil,
                          reason: "T12 biconcave fracture after a minor fall; long-term prednisone; severe pain.",
                          symptomOnset: "2026-11-12"),
            ReferralDraft(clinicID: clinicID,
                          patient: .init(mrn: "DSC-101422", givenName: "Margaret", familyName: "Oyelaran", birthDate: "1962-07-21", sex: .female),
                          referringClinicianName: "Dr. Samuel Ortiz", referringClinicianNPI: "1234567893",
                          reason: "L3 compression fracture on X-ray, age unknown; known breast cancer, new back pain.",
                          symptomOnset: nil),
            ReferralDraft(clinicID: clinicID,
                          patient: .init(mrn: "DSC-102019", givenName: "Walter", familyName: "Kowalczyk", birthDate: "1944-01-30", sex: .male),
                          referringClinicianName: "Dr. Amina Yusuf", referringClinicianNPI: "1987654320",
                          reason: "T8 and T9 wedge fractures, osteoporosis, NRS 6 stable for 6 weeks of physical therapy.",
                          symptomOnset: "2026-09-28"),
            ReferralDraft(clinicID: clinicID,
                          patient: .init(mrn: "DSC-102377", givenName: "Rosa", familyName: "Delgado", birthDate: "1953-05-09", sex: .female),
                          referringClinicianName: "Dr. Lucy Tran", referringClinicianNPI: nil,
                          reason: "L2 crush fracture with retropulsion on CT; leg weakness reported.",
                          symptomOnset: "2026-11-20"),
        ]
    }
}
