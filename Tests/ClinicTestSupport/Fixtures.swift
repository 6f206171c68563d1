import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// Clinics, tokens and referrals that tests start from, made through the services.
public struct Fixtures: Sendable {
    public let db: TestDatabase

    public init(_ db: TestDatabase) { self.db = db }

    /// The operator at the command line, acting now.
    public static var operator_: Actor { operator_(at: Date()) }

    /// The operator at the command line, acting at `instant`: the way to make history in the
    /// past (every row is stamped and every date judged at the actor's instant).
    public static func operator_(at instant: Date) -> Actor {
        Actor(principal: .commandLine("test-fixtures"), requestID: nil, at: instant)
    }

    /// A clinic in America/Phoenix open 07:00-17:00 on weekdays.
    @discardableResult
    public func clinic(name: String = "Desert Spine Center", timeZone: String = "America/Phoenix") async throws
        -> Clinic
    {
        let hours = try (1...5).map {
            try OpeningHours(weekday: $0, opens: LocalTime("07:00"), closes: LocalTime("17:00"))
        }
        return try await ClinicSetupService.postgres(db.database)
            .createClinic(name: name, timeZone: timeZone, hours: hours, actor: Self.operator_)
    }

    /// A bearer secret for a new token with this role, reaching `scope` (the whole network unless
    /// a test is about clinic scope).
    public func token(_ role: Role, name: String? = nil, scope: ClinicScope = .network, expiresAt: Date? = nil)
        async throws -> String
    {
        try await TokenService(store: PostgresTokenStore(database: db.database))
            .create(name: name ?? "test \(role.rawValue)", role: role, scope: scope, expiresAt: expiresAt).secret
    }

    public func services(now: @escaping @Sendable () -> Date = Date.init) throws -> APIServices {
        try APIServices.postgres(db.database, now: now)
    }

    /// The clinical example used across the tests: a 68-year-old with an L1 wedge fracture.
    public static func l1WedgeDraft(clinicID: ClinicID, mrn: String = "MRN-0001") -> ReferralDraft {
        ReferralDraft(
            clinicID: clinicID.description,
            patient: .init(
                mrn: mrn, givenName: "Eleanor", familyName: "Whitfield", birthDate: "1958-03-14", sex: .female),
            referringClinicianName: "Dr. Samuel Ortiz", referringClinicianNPI: "1234567893",
            reason: "L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.",
            symptomOnset: "2026-10-30")
    }

    /// The same example as the JSON body a client sends.
    public static func l1WedgeJSON(clinicID: ClinicID, mrn: String = "MRN-0001") -> String {
        """
        {"clinicId":"\(clinicID)","patient":{"mrn":"\(mrn)","givenName":"Eleanor","familyName":"Whitfield","birthDate":"1958-03-14","sex":"female"},
         "referringClinician":{"name":"Dr. Samuel Ortiz","npi":"1234567893"},
         "reason":"L1 wedge fracture, 30% height loss, STIR edema on MRI; NRS 7 despite bracing.","symptomOnset":"2026-10-30"}
        """
    }
}

extension Fixtures {
    /// A clinic that can be booked: a consult room, an evaluator, a procedure room and a
    /// proceduralist, all working Monday to Friday 07:00-17:00 (clinic hours too).
    @discardableResult
    public func schedulableClinic(name: String = "Desert Spine Center", timeZone: String = "America/Phoenix")
        async throws -> (clinic: Clinic, resources: [ResourceKind: ResourceID])
    {
        let clinic = try await self.clinic(name: name, timeZone: timeZone)
        let setup = ClinicSetupService.postgres(db.database)
        var ids: [ResourceKind: ResourceID] = [:]
        for (kind, name) in [
            (ResourceKind.consultRoom, "Consult Room A"), (.evaluator, "Dr. Kevin Chen"),
            (.procedureRoom, "Procedure Suite 1"), (.proceduralist, "Dr. Maria Alvarez"),
        ] {
            let resource = try await setup.addResource(
                clinicID: clinic.id, kind: kind, name: name, actor: Self.operator_)
            _ = try await setup.setTemplate(
                resourceID: resource.resource.id,
                windows: (1...5).map { ($0, "07:00", "17:00") }, actor: Self.operator_)
            ids[kind] = resource.resource.id
        }
        return (clinic, ids)
    }

    /// 07:00 on the first Monday at least a week from now, in the clinic's zone.
    public static func nextMondayMorning(in clinic: Clinic) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = clinic.timeZone.zone
        var day = calendar.startOfDay(for: Date().addingTimeInterval(7 * 86_400))
        while calendar.component(.weekday, from: day) != 2 { day = calendar.date(byAdding: .day, value: 1, to: day)! }
        return calendar.date(bySettingHour: 7, minute: 0, second: 0, of: day)!
    }
}

/// The clinic store of a test database, for tests that set up more than the fixtures do.
public enum PostgresClinicStoreProbe {
    public static func store(_ db: TestDatabase) -> PostgresClinicStore { PostgresClinicStore(database: db.database) }
}

extension Fixtures {
    /// A kyphoplasty candidate waiting for a procedure: an MRI of an acute L1 wedge fracture (30%
    /// height loss, STIR edema) two weeks ago, the referral made from it (urgent when `urgent`:
    /// long-term steroids), and a clinician's evaluation deciding candidate, under the plan's
    /// anesthesia. Made through the services, as a clinic would.
    public func candidate(
        at clinic: Clinic, mrn: String, urgent: Bool = false, anesthesia: AnesthesiaPlan = .localWithSedation,
        anticoagulant: Anticoagulant = .warfarin, osteoporosis: Bool = false,
        givenName: String = "Eleanor", familyName: String = "Whitfield", services: APIServices? = nil
    ) async throws -> ReferralID {
        let services = try services ?? self.services()
        let patient = ReferralDraft.PatientDraft(
            mrn: mrn, givenName: givenName, familyName: familyName, birthDate: "1958-03-14", sex: .female)
        let imaging = try await services.imaging.submit(
            ImagingResultDraft(
                clinicID: clinic.id.description, sourceSystem: "desert-ris", accessionNumber: "MR-\(mrn)",
                status: .final, modality: .mri,
                performedAt: Date().addingTimeInterval(-14 * 86_400), patient: patient,
                impression: "Acute L1 wedge compression fracture, 30% height loss, STIR edema.",
                findings: [.init(level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present)]),
            actor: Self.operator_)
        var flags = ClinicalFlags()
        flags.longTermSteroids = urgent
        flags.knownOsteoporosis = osteoporosis
        let referral = try await services.referrals.create(
            ReferralDraft(
                clinicID: nil, patient: nil, referringClinicianName: "Dr. Samuel Ortiz",
                referringClinicianNPI: "1234567893",
                reason: "Painful L1 fracture, NRS 7 despite bracing", symptomOnset: nil,
                imagingResultIDs: [imaging.result.id.description],
                flags: flags), idempotencyKey: nil, actor: Self.operator_
        ).referral
        let findings = EvaluationFindings(
            painNRS: 6, hospitalised: false, painWorsening: false, furtherHeightLoss: false, kyphoticDeformity: true,
            rolandMorris: 12,
            painFromTargetFracture: true, conservativeCare: ConservativeCare(bracing: true, weeks: 5),
            contraindications: .noneFound,
            boneDensityReferral: true, osteoporosisEducation: true, myeloma: false, levels: [try VertebralLevel("L1")],
            anesthesia: anesthesia, anticoagulant: anticoagulant, inr: 1.2, platelets: 210)
        _ = try await services.evaluations.record(
            referralID: referral.id, findings: findings,
            decision: EvaluationDecisionDraft(outcome: .candidate, reason: nil, reevaluateOn: nil),
            actor: Self.operator_)
        return referral.id
    }
}
