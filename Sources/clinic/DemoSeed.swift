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
            // Everyone works the clinic's hours, so the demo is bookable from the first run.
            _ = try await setup.setTemplate(resourceID: id, windows: (1...5).map { ($0, "07:00", "17:00") }, actor: actor)
        }
        var created = 0
        for (index, demo) in Self.cases.enumerated() {
            let imaging = try await services.imaging.submit(demo.imaging(clinicID: clinic.id), actor: actor)
            var draft = demo.referral
            draft.imagingResultIDs = [imaging.result.id.description]
            do {
                let result = try await services.referrals.create(draft, idempotencyKey: "demo-referral-\(index + 1)", actor: actor)
                if !result.replayed { created += 1 }
            } catch ServiceError.idempotencyKeyReused {
                continue // Seeded by an earlier version of this data; leave it.
            }
        }
        return "Demo clinic \(clinic.name) (\(clinic.id), \(clinic.timeZone)): \(resources.count) resources, \(created) new referrals."
    }

    /// One demo patient: the imaging that shows the fracture and the referral made from it.
    struct Case {
        let accession: String
        let modality: Modality
        let performedAt: String
        let patient: ReferralDraft.PatientDraft
        let findings: [ImagingResultDraft.FindingDraft]
        let impression: String
        let referral: ReferralDraft

        func imaging(clinicID: ClinicID) -> ImagingResultDraft {
            ImagingResultDraft(clinicID: clinicID.description, sourceSystem: "desert-ris", accessionNumber: accession, status: .final,
                               modality: modality, performedAt: try! Date(performedAt, strategy: .iso8601), patient: patient,
                               impression: impression, findings: findings)
        }
    }

    static let cases: [Case] = {
        func referral(_ clinician: String, _ npi: String?, _ reason: String, onset: String?, flags: ClinicalFlags = ClinicalFlags(),
                      payer: String? = "Medicare") -> ReferralDraft {
            ReferralDraft(clinicID: nil, patient: nil, referringClinicianName: clinician, referringClinicianNPI: npi, reason: reason,
                          symptomOnset: onset, flags: flags, payer: payer)
        }
        return [
            Case(accession: "MR-2026-1101", modality: .mri, performedAt: "2026-11-06T16:30:00Z",
                 patient: .init(mrn: "DSC-100234", givenName: "Eleanor", familyName: "Whitfield", birthDate: "1958-03-14", sex: .female),
                 findings: [.init(level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present)],
                 impression: "Acute L1 wedge compression fracture, 30% height loss, STIR edema. No retropulsion.",
                 referral: referral("Dr. Samuel Ortiz", "1234567893",
                                    "L1 wedge fracture with STIR edema; pain NRS 7 despite 5 weeks of bracing.",
                                    onset: "2026-10-30", flags: ClinicalFlags(knownOsteoporosis: true))),
            Case(accession: "XR-2026-2207", modality: .xRay, performedAt: "2026-11-14T18:00:00Z",
                 patient: .init(mrn: "DSC-100871", givenName: "Harold", familyName: "Benally", birthDate: "1949-11-02", sex: .male),
                 findings: [.init(level: "T12", heightLossPercent: 35, morphology: .biconcave, edema: .unknown)],
                 impression: "T12 biconcave compression deformity, age indeterminate.",
                 referral: referral("Dr. Lucy Tran", nil, "T12 fracture after a minor fall; long-term prednisone; severe pain.",
                                    onset: "2026-11-12", flags: ClinicalFlags(longTermSteroids: true, severePain: true))),
            Case(accession: "XR-2026-2231", modality: .xRay, performedAt: "2026-11-18T17:15:00Z",
                 patient: .init(mrn: "DSC-101422", givenName: "Margaret", familyName: "Oyelaran", birthDate: "1962-07-21", sex: .female),
                 findings: [.init(level: "L3", heightLossPercent: 28, morphology: .wedge, edema: .unknown, suspectedMalignancy: true)],
                 impression: "L3 compression fracture; lytic change cannot be excluded.",
                 referral: referral("Dr. Samuel Ortiz", "1234567893", "L3 fracture; known breast cancer, new back pain.",
                                    onset: nil, flags: ClinicalFlags(cancerHistory: true))),
            Case(accession: "MR-2026-0977", modality: .mri, performedAt: "2026-10-02T15:00:00Z",
                 patient: .init(mrn: "DSC-102019", givenName: "Walter", familyName: "Kowalczyk", birthDate: "1944-01-30", sex: .male),
                 findings: [.init(level: "T8", heightLossPercent: 25, morphology: .wedge, edema: .present),
                            .init(level: "T9", heightLossPercent: 32, morphology: .wedge, edema: .present)],
                 impression: "Subacute T8 and T9 wedge fractures with marrow edema.",
                 referral: referral("Dr. Amina Yusuf", "1987654320",
                                    "T8 and T9 fractures, osteoporosis, NRS 6 stable after 6 weeks of physical therapy.",
                                    onset: "2026-09-28", flags: ClinicalFlags(knownOsteoporosis: true))),
            Case(accession: "CT-2026-3310", modality: .ct, performedAt: "2026-11-21T02:40:00Z",
                 patient: .init(mrn: "DSC-102377", givenName: "Rosa", familyName: "Delgado", birthDate: "1953-05-09", sex: .female),
                 findings: [.init(level: "L2", heightLossPercent: 45, morphology: .crush, edema: .unknown, retropulsion: true)],
                 impression: "L2 burst-type compression with 30% canal compromise from retropulsed fragment.",
                 referral: referral("Dr. Lucy Tran", nil, "L2 crush fracture with retropulsion on CT; leg weakness reported.",
                                    onset: "2026-11-20", flags: ClinicalFlags(neurologicalDeficit: true))),
        ]
    }()
}
