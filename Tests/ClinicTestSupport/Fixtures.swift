import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// Clinics, tokens and referrals that tests start from, made through the services.
public struct Fixtures: Sendable {
    public let db: TestDatabase

    public init(_ db: TestDatabase) { self.db = db }

    public static let operator_ = Actor(principal: .commandLine("test-fixtures"), requestID: nil)

    /// A clinic in America/Phoenix open 07:00-17:00 on weekdays.
    @discardableResult
    public func clinic(name: String = "Desert Spine Center", timeZone: String = "America/Phoenix") async throws -> Clinic {
        let hours = try (1...5).map { try OpeningHours(weekday: $0, opens: LocalTime("07:00"), closes: LocalTime("17:00")) }
        return try await ClinicSetupService(store: PostgresClinicStore(database: db.database))
            .createClinic(name: name, timeZone: timeZone, hours: hours, actor: Self.operator_)
    }

    /// A bearer secret for a new token with this role.
    public func token(_ role: Role, name: String? = nil, expiresAt: Date? = nil) async throws -> String {
        try await TokenService(store: PostgresTokenStore(database: db.database))
            .create(name: name ?? "test \(role.rawValue)", role: role, expiresAt: expiresAt).secret
    }

    public func services(now: @escaping @Sendable () -> Date = Date.init) throws -> APIServices {
        try APIServices.postgres(db.database, now: now)
    }

    /// The clinical example used across the tests: a 68-year-old with an L1 wedge fracture.
    public static func l1WedgeDraft(clinicID: ClinicID, mrn: String = "MRN-0001") -> ReferralDraft {
        ReferralDraft(
            clinicID: clinicID.description,
            patient: .init(mrn: mrn, givenName: "Eleanor", familyName: "Whitfield", birthDate: "1958-03-14", sex: .female),
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
