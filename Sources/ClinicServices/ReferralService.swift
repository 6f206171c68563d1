import ClinicDomain
import Crypto
import Foundation

/// The referral's fields as a caller sent them, before validation.
public struct ReferralDraft: Sendable, Hashable {
    public struct PatientDraft: Sendable, Hashable {
        public var mrn: String
        public var givenName: String
        public var familyName: String
        public var birthDate: String
        public var sex: AdministrativeSex

        public init(mrn: String, givenName: String, familyName: String, birthDate: String, sex: AdministrativeSex) {
            self.mrn = mrn
            self.givenName = givenName
            self.familyName = familyName
            self.birthDate = birthDate
            self.sex = sex
        }
    }

    public var clinicID: String
    public var patient: PatientDraft
    public var referringClinicianName: String
    public var referringClinicianNPI: String?
    public var reason: String
    public var symptomOnset: String?

    public init(clinicID: String, patient: PatientDraft, referringClinicianName: String,
                referringClinicianNPI: String?, reason: String, symptomOnset: String?) {
        self.clinicID = clinicID
        self.patient = patient
        self.referringClinicianName = referringClinicianName
        self.referringClinicianNPI = referringClinicianNPI
        self.reason = reason
        self.symptomOnset = symptomOnset
    }
}

/// Referral use cases: create (idempotently), read, list. Every read of patient data is audited.
public struct ReferralService: Sendable {
    private let referrals: any ReferralStore
    private let clinics: any ClinicStore
    private let audit: any AuditStore
    private let now: @Sendable () -> Date

    public init(referrals: any ReferralStore, clinics: any ClinicStore, audit: any AuditStore,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.referrals = referrals
        self.clinics = clinics
        self.audit = audit
        self.now = now
    }

    /// The result of a create: the referral and whether it was made by an earlier identical request.
    public struct Created: Sendable {
        public let referral: Referral
        public let replayed: Bool
    }

    public static let maximumPageSize = 100

    /// Validates the draft against its clinic and creates the referral in `received`.
    public func create(_ draft: ReferralDraft, idempotencyKey: String?, actor: Actor) async throws -> Created {
        if let key = idempotencyKey, key.isEmpty || key.count > 200 || key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7E }) {
            throw ServiceError.invalid("/Idempotency-Key", "must be 1 to 200 visible ASCII characters")
        }
        guard let clinicID = ClinicID(string: draft.clinicID) else {
            throw ServiceError.invalid("/clinicId", "must be a UUID")
        }
        guard let clinic = try await clinics.clinic(id: clinicID) else {
            throw ServiceError.invalid("/clinicId", "no clinic has this id")
        }
        let today = clinic.today(at: now())
        let new: NewReferral
        do {
            new = try NewReferral.validate(
                clinicID: clinicID,
                patient: {
                    try PatientDetails(mrn: draft.patient.mrn, givenName: draft.patient.givenName,
                                       familyName: draft.patient.familyName, birthDate: draft.patient.birthDate,
                                       sex: draft.patient.sex, today: today)
                },
                clinicianName: draft.referringClinicianName, clinicianNPI: draft.referringClinicianNPI,
                reason: draft.reason, symptomOnset: draft.symptomOnset, today: today)
        } catch let error as ValidationError {
            throw ServiceError.invalid(error)
        }
        let claim = idempotencyKey.map {
            IdempotencyClaim(scope: "createReferral:\(actor.principal.tokenID?.description ?? actor.principal.name)",
                             key: $0, requestHash: Self.fingerprint(draft))
        }
        let outcome = try await referrals.create(new, id: .random(), actor: actor, idempotency: claim)
        guard let referral = try await referrals.referral(id: outcome.id) else {
            throw ServiceError.notFound(entity: "referral")
        }
        if case .replayed = outcome {
            try await audit.record(AuditEntry(actor: actor, action: "referral.create.replay", entityType: "referral",
                                              entityID: referral.id.rawValue))
        }
        return Created(referral: referral, replayed: outcome != .created(referral.id))
    }

    /// One referral; audited as a read of patient data.
    public func referral(id text: String, actor: Actor) async throws -> Referral {
        guard let id = ReferralID(string: text) else { throw ServiceError.invalid("/id", "must be a UUID") }
        guard let referral = try await referrals.referral(id: id) else { throw ServiceError.notFound(entity: "referral") }
        try await audit.record(AuditEntry(actor: actor, action: "referral.read", entityType: "referral",
                                          entityID: id.rawValue))
        return referral
    }

    /// A page of referrals, newest first; audited as a read of patient data.
    public func list(status: String?, clinicID: String?, limit: Int?, cursor: String?, actor: Actor) async throws -> ReferralPage {
        var collector = ViolationCollector()
        var query = ReferralQuery()
        if let status {
            query.status = ReferralStatus(code: status)
            if query.status == nil { collector.add("/status", "is not a referral status") }
        }
        if let clinicID {
            query.clinicID = ClinicID(string: clinicID)
            if query.clinicID == nil { collector.add("/clinicId", "must be a UUID") }
        }
        if let limit {
            if (1...Self.maximumPageSize).contains(limit) { query.limit = limit } else {
                collector.add("/limit", "must be between 1 and \(Self.maximumPageSize)")
            }
        }
        if let cursor {
            do { query.after = try ReferralCursor(token: cursor) } catch { collector.add("/cursor", "is not a cursor this server issued") }
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        let page = try await referrals.list(query)
        try await audit.record(AuditEntry(actor: actor, action: "referral.list", entityType: "referral", entityID: nil))
        return page
    }

    /// A stable digest of what was asked, so a reused key with a different request is caught.
    static func fingerprint(_ draft: ReferralDraft) -> [UInt8] {
        let canonical = [draft.clinicID.lowercased(), draft.patient.mrn, draft.patient.givenName, draft.patient.familyName,
                         draft.patient.birthDate, draft.patient.sex.rawValue, draft.referringClinicianName,
                         draft.referringClinicianNPI ?? "", draft.reason, draft.symptomOnset ?? ""]
            .map { "\($0.utf8.count):\($0)" }.joined()
        return Array(SHA256.hash(data: Data(canonical.utf8)))
    }
}
