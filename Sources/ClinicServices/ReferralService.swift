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

    /// Optional when imaging results are given: their clinic is the referral's.
    public var clinicID: String?
    /// Optional when imaging results are given: their patient is the referral's.
    public var patient: PatientDraft?
    public var referringClinicianName: String
    public var referringClinicianNPI: String?
    public var reason: String
    public var symptomOnset: String?
    public var imagingResultIDs: [String]
    public var flags: ClinicalFlags
    public var payer: String?

    public init(
        clinicID: String?, patient: PatientDraft?, referringClinicianName: String,
        referringClinicianNPI: String?, reason: String, symptomOnset: String?,
        imagingResultIDs: [String] = [], flags: ClinicalFlags = ClinicalFlags(), payer: String? = nil
    ) {
        self.clinicID = clinicID
        self.patient = patient
        self.referringClinicianName = referringClinicianName
        self.referringClinicianNPI = referringClinicianNPI
        self.reason = reason
        self.symptomOnset = symptomOnset
        self.imagingResultIDs = imagingResultIDs
        self.flags = flags
        self.payer = payer
    }
}

/// Referral use cases: create (idempotently), read, list. Every read of patient data is audited.
public struct ReferralService: Sendable {
    let referrals: any ReferralStore
    let clinics: any ClinicStore
    let imaging: any ImagingResultStore
    let audit: any AuditStore
    let reach: ClinicReach

    public init(
        referrals: any ReferralStore, clinics: any ClinicStore, imaging: any ImagingResultStore, audit: any AuditStore,
        reach: ClinicReach
    ) {
        self.referrals = referrals
        self.clinics = clinics
        self.imaging = imaging
        self.audit = audit
        self.reach = reach
    }

    /// The result of a create: the referral and whether it was made by an earlier identical request.
    public struct Created: Sendable {
        public let referral: Referral
        public let replayed: Bool
    }

    public static let maximumPageSize = 100

    public static let maximumImagingResults = 20

    /// Validates the draft against its clinic and imaging, triages it, and creates it: `received`
    /// then, in the same transaction, `triaged` (or `surgical_review` on red flags).
    public func create(_ draft: ReferralDraft, idempotencyKey: String?, actor: Actor) async throws -> Created {
        try IdempotencyClaim.validate(idempotencyKey)
        var collector = ViolationCollector()
        // The imaging results, when given, fix the clinic and the patient.
        if draft.imagingResultIDs.count > Self.maximumImagingResults {
            throw ServiceError.invalid("/imagingResultIds", "must list at most \(Self.maximumImagingResults) results")
        }
        var resultIDs: [ImagingResultID] = []
        for (index, text) in draft.imagingResultIDs.enumerated() {
            guard let id = ImagingResultID(string: text) else {
                collector.add("/imagingResultIds/\(index)", "must be a UUID")
                continue
            }
            if resultIDs.contains(id) {
                collector.add("/imagingResultIds/\(index)", "is listed twice")
            } else {
                resultIDs.append(id)
            }
        }
        // Results of clinics outside the caller's scope are not found, like results that do not exist.
        let results = try await imaging.results(ids: resultIDs, scope: actor.scope)
        if let missing = resultIDs.firstIndex(where: { id in !results.contains { $0.id == id } }),
            collector.violations.isEmpty
        {
            try await reach.within(.imagingResult(resultIDs[missing]), actor) {
                throw ServiceError.unknownReference(pointer: "/imagingResultIds/\(missing)", entity: "imaging result")
            }
        }
        if Set(results.map(\.patient.id)).count > 1 {
            collector.add("/imagingResultIds", "the results belong to different patients")
        }
        if Set(results.map(\.clinicID)).count > 1 {
            collector.add("/imagingResultIds", "the results belong to different clinics")
        }
        var clinicID = results.first?.clinicID
        if let text = draft.clinicID {
            if let id = ClinicID(string: text) {
                if let fromImaging = clinicID, fromImaging != id {
                    collector.add("/clinicId", "differs from the imaging results' clinic")
                }
                clinicID = id
            } else {
                collector.add("/clinicId", "must be a UUID")
            }
        } else if draft.imagingResultIDs.isEmpty {
            collector.add("/clinicId", "is required when no imaging result is given")
        }
        if draft.patient == nil && draft.imagingResultIDs.isEmpty {
            collector.add("/patient", "is required when no imaging result is given")
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        let unknownClinic = ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic")
        guard let clinicID else { throw unknownClinic }
        try await reach.require(clinicID, actor, else: unknownClinic)
        guard let (clinic, settings) = try await clinics.clinicAndTargets(id: clinicID) else { throw unknownClinic }
        let today = clinic.today(at: actor.at)

        var patient: PatientDetails? = results.first?.patient.details
        if let body = draft.patient {
            patient = collector.check("/patient") {
                try PatientDetails(
                    mrn: body.mrn, givenName: body.givenName, familyName: body.familyName,
                    birthDate: body.birthDate, sex: body.sex, today: today)
            }
            if let given = patient, let stored = results.first?.patient.details, given.mrn != stored.mrn {
                collector.add("/patient/mrn", "differs from the imaging results' patient")
            }
        }
        let clinician = collector.check("/referringClinician") {
            try ReferringClinician(name: draft.referringClinicianName, npi: draft.referringClinicianNPI)
        }
        let reason = collector.check("/reason") { try BoundedText(draft.reason, maxLength: 2000) }
        let onset = draft.symptomOnset.flatMap { text in
            collector.check("/symptomOnset") { try LocalDate(iso8601: text) }
        }
        if let onset, onset > today { collector.add("/symptomOnset", "must not be in the future") }
        let payer = draft.payer.flatMap { text in collector.check("/payer") { try BoundedText(text, maxLength: 100) } }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }

        let studies = results.map { TriageStudy(result: $0, zone: clinic.timeZone) }
        let triage = Triage.assess(
            flags: draft.flags, studies: studies, symptomOnset: onset, receivedOn: today, targets: settings)
        let new = NewReferral(
            clinicID: clinicID, patient: patient!, referringClinician: clinician!, reason: reason!,
            symptomOnset: onset, flags: draft.flags, payer: payer, imagingResultIDs: resultIDs, triage: triage)
        let claim = idempotencyKey.map {
            IdempotencyClaim(
                scope: "createReferral:\(actor.principal.tokenID?.description ?? actor.principal.name)",
                key: $0, requestHash: Self.fingerprint(draft))
        }
        let outcome = try await referrals.create(new, id: .random(), actor: actor, idempotency: claim)
        guard let referral = try await referrals.referral(id: outcome.id, scope: actor.scope) else {
            throw ServiceError.notFound(entity: "referral")
        }
        if case .replayed = outcome {
            try await audit.record(
                AuditEntry(
                    actor: actor, action: "referral.create.replay", entityType: "referral",
                    entityID: referral.id.rawValue))
        }
        return Created(referral: referral, replayed: outcome != .created(referral.id))
    }

    /// One referral; audited as a read of patient data.
    public func referral(id: ReferralID, actor: Actor) async throws -> Referral {
        let referral = try await reach.within(.referral(id), actor) {
            guard let referral = try await referrals.referral(id: id, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "referral")
            }
            return referral
        }
        try await audit.record(
            AuditEntry(
                actor: actor, action: "referral.read", entityType: "referral",
                entityID: id.rawValue))
        return referral
    }

    /// The filters of `GET /v1/referrals`, as sent.
    public struct ListRequest: Sendable {
        public var status: ReferralStatus?
        /// Any of these states (FHIR's status search).
        public var statuses: [ReferralStatus]?
        /// The urgency after any override (FHIR's priority search).
        public var effectiveUrgency: Urgency?
        public var urgency: Urgency?
        public var clinicID: ClinicID?
        public var patientID: PatientID?
        public var overdue: Bool?
        public var windowClosingWithinDays: Int?
        public var createdFrom: Date?
        public var createdBefore: Date?
        public var limit: Int?
        /// Where the previous page ended (the API opens the client's sealed cursor into this).
        public var after: ReferralCursor?

        public init(
            status: ReferralStatus? = nil, urgency: Urgency? = nil, clinicID: ClinicID? = nil,
            patientID: PatientID? = nil,
            overdue: Bool? = nil, windowClosingWithinDays: Int? = nil, createdFrom: Date? = nil,
            createdBefore: Date? = nil,
            limit: Int? = nil, after: ReferralCursor? = nil
        ) {
            self.status = status
            self.urgency = urgency
            self.clinicID = clinicID
            self.patientID = patientID
            self.overdue = overdue
            self.windowClosingWithinDays = windowClosingWithinDays
            self.createdFrom = createdFrom
            self.createdBefore = createdBefore
            self.limit = limit
            self.after = after
        }
    }

    /// A page of referrals, newest first; audited as a read of patient data.
    public func list(_ request: ListRequest, actor: Actor) async throws -> ReferralPage {
        var collector = ViolationCollector()
        var query = ReferralQuery(now: actor.at, scope: actor.scope)
        query.status = request.status
        query.statuses = request.statuses
        query.effectiveUrgency = request.effectiveUrgency
        query.urgency = request.urgency
        query.clinicID = request.clinicID
        query.patientID = request.patientID
        query.overdue = request.overdue
        if let days = request.windowClosingWithinDays {
            if (0...365).contains(days) {
                query.windowClosingWithinDays = days
            } else {
                collector.add("/windowClosingWithinDays", "must be from 0 to 365")
            }
        }
        query.createdFrom = request.createdFrom
        query.createdBefore = request.createdBefore
        if let from = request.createdFrom, let before = request.createdBefore, from >= before {
            collector.add("/createdBefore", "must be after createdFrom")
        }
        if let limit = request.limit {
            if (1...Self.maximumPageSize).contains(limit) {
                query.limit = limit
            } else {
                collector.add("/limit", "must be between 1 and \(Self.maximumPageSize)")
            }
        }
        query.after = request.after
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        if let clinicID = request.clinicID {
            // A clinic outside the scope lists like a clinic without referrals (it may not exist).
            do {
                try await reach.require(clinicID, actor, else: .notFound(entity: "clinic"))
            } catch ServiceError.notFound {
                return ReferralPage(items: [], next: nil)
            }
        }
        let page = try await referrals.list(query)
        try await audit.record(AuditEntry(actor: actor, action: "referral.list", entityType: "referral", entityID: nil))
        return page
    }

    /// A stable digest of what was asked, so a reused key with a different request is caught.
    static func fingerprint(_ draft: ReferralDraft) -> [UInt8] {
        let flags = draft.flags
        let canonical = [
            draft.clinicID?.lowercased() ?? "", draft.patient?.mrn ?? "", draft.patient?.givenName ?? "",
            draft.patient?.familyName ?? "", draft.patient?.birthDate ?? "", draft.patient?.sex.rawValue ?? "",
            draft.referringClinicianName, draft.referringClinicianNPI ?? "", draft.reason, draft.symptomOnset ?? "",
            draft.imagingResultIDs.map { $0.lowercased() }.joined(separator: ","), draft.payer ?? "",
            "\(flags.neurologicalDeficit)\(flags.cancerHistory)\(flags.longTermSteroids)\(flags.knownOsteoporosis)\(flags.severePain)\(flags.hospitalised)",
        ]
        return IdempotencyClaim.fingerprint(canonical)
    }
}

extension TriageStudy {
    /// A stored result as triage sees it, dated in the clinic's zone.
    public init(result: ImagingResult, zone: ClinicTimeZone) {
        self.init(
            accessionNumber: result.accessionNumber, modality: result.modality, status: result.status,
            performedOn: LocalDate(result.performedAt, in: zone.zone), findings: result.findings)
    }
}
