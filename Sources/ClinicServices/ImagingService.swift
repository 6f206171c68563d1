import ClinicDomain
import Crypto
import Foundation

/// An imaging result as a radiology system sent it, before validation.
public struct ImagingResultDraft: Sendable, Hashable {
    public struct FindingDraft: Sendable, Hashable {
        public var level: String
        public var heightLossPercent: Double
        public var morphology: FractureMorphology?
        public var edema: EdemaFinding
        public var retropulsion: Bool
        public var suspectedMalignancy: Bool
        public var suspectedInfection: Bool

        public init(
            level: String, heightLossPercent: Double, morphology: FractureMorphology?, edema: EdemaFinding,
            retropulsion: Bool = false, suspectedMalignancy: Bool = false, suspectedInfection: Bool = false
        ) {
            self.level = level
            self.heightLossPercent = heightLossPercent
            self.morphology = morphology
            self.edema = edema
            self.retropulsion = retropulsion
            self.suspectedMalignancy = suspectedMalignancy
            self.suspectedInfection = suspectedInfection
        }
    }

    public var clinicID: String
    public var sourceSystem: String
    public var accessionNumber: String
    public var status: ResultStatus
    public var modality: Modality
    public var performedAt: Date
    public var patient: ReferralDraft.PatientDraft
    public var impression: String?
    public var findings: [FindingDraft]

    public init(
        clinicID: String, sourceSystem: String, accessionNumber: String, status: ResultStatus, modality: Modality,
        performedAt: Date, patient: ReferralDraft.PatientDraft, impression: String?, findings: [FindingDraft]
    ) {
        self.clinicID = clinicID
        self.sourceSystem = sourceSystem
        self.accessionNumber = accessionNumber
        self.status = status
        self.modality = modality
        self.performedAt = performedAt
        self.patient = patient
        self.impression = impression
        self.findings = findings
    }
}

/// A validated result ready to store, with the digest that tells a replay from a revision.
public struct NewImagingResult: Sendable, Hashable {
    public let clinicID: ClinicID
    public let patient: PatientDetails
    public let sourceSystem: String
    public let accessionNumber: String
    public let status: ResultStatus
    public let modality: Modality
    public let performedAt: Date
    public let impression: String
    public let findings: [VertebralFinding]
    public let contentHash: [UInt8]
}

/// How a submission was taken.
public enum ImagingSubmission: Sendable, Hashable {
    case created(ImagingResultID)
    case replayed(ImagingResultID)
    /// A new revision; lists the open referrals whose triage was re-run.
    case revised(ImagingResultID, retriaged: [ReferralID])

    public var id: ImagingResultID {
        switch self {
        case .created(let id), .replayed(let id), .revised(let id, _): id
        }
    }
}

/// Persists imaging results, their revisions and findings.
public protocol ImagingResultStore: Sendable {
    /// Creates, replays or revises per `ImagingRevisionPolicy`, all in one transaction; on a
    /// revision, asks `retriage` about every open referral that uses the result (its snapshot
    /// read after the revision, and the revision's number) and applies the change it returns.
    func submit(
        _ result: NewImagingResult, newID: ImagingResultID, actor: Actor,
        retriage: @escaping @Sendable (ReferralSnapshot, _ revision: Int) throws -> ReferralChange?
    ) async throws -> ImagingSubmission
    /// Several results `submit` would take one by one, all in one transaction: all are taken, or
    /// (on any refusal) none; answered in the order asked.
    func submit(all submissions: [ImagingSubmissionRequest], actor: Actor) async throws -> [ImagingSubmission]
    /// The current revision, or an earlier one by number; nil outside `scope`.
    func result(id: ImagingResultID, revision: Int?, scope: ClinicScope) async throws -> ImagingResult?
    /// Current revisions of several results, in the order asked (missing ones, and ones outside
    /// `scope`, left out).
    func results(ids: [ImagingResultID], scope: ClinicScope) async throws -> [ImagingResult]
}

/// One result for `ImagingResultStore.submit(all:actor:)`: the result, the id it gets if new, and
/// what a revision does to the open referrals that use it.
public struct ImagingSubmissionRequest: Sendable {
    public let result: NewImagingResult
    public let newID: ImagingResultID
    public let retriage: @Sendable (ReferralSnapshot, _ revision: Int) throws -> ReferralChange?

    public init(
        result: NewImagingResult, newID: ImagingResultID,
        retriage: @escaping @Sendable (ReferralSnapshot, _ revision: Int) throws -> ReferralChange?
    ) {
        self.result = result
        self.newID = newID
        self.retriage = retriage
    }
}

/// Imaging intake: validation, idempotent submission, revisions that re-run triage.
public struct ImagingService: Sendable {
    private let store: any ImagingResultStore
    private let clinics: any ClinicStore
    private let audit: any AuditStore
    private let reach: ClinicReach

    public init(
        store: any ImagingResultStore, clinics: any ClinicStore, audit: any AuditStore, reach: ClinicReach
    ) {
        self.store = store
        self.clinics = clinics
        self.audit = audit
        self.reach = reach
    }

    public static let maximumFindings = 25

    public struct Submitted: Sendable {
        public let result: ImagingResult
        public let submission: ImagingSubmission
    }

    public func submit(_ draft: ImagingResultDraft, actor: Actor) async throws -> Submitted {
        guard let clinicID = ClinicID(string: draft.clinicID) else {
            throw ServiceError.invalid("/clinicId", "must be a UUID")
        }
        let clinic = try await intakeClinic(clinicID, actor: actor)
        return try await take(try validate(draft, clinic: clinic, now: actor.at), actor: actor)
    }

    /// The clinic a result is sent for, when the actor's feed serves it.
    /// - Throws: `ServiceError.unknownReference` at `/clinicId` for a clinic that does not exist
    ///   or that the actor does not reach (audited).
    public func intakeClinic(_ clinicID: ClinicID, actor: Actor) async throws -> Clinic {
        // An intake token serves the clinics of its feed: a result for any other is refused.
        let unknownClinic = ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic")
        try await reach.require(clinicID, actor, else: unknownClinic)
        guard let clinic = try await clinics.clinic(id: clinicID) else { throw unknownClinic }
        return clinic
    }

    /// Several results of one clinic sent together (an HL7 message's orders): every one is
    /// validated, then all are taken as `submit` takes each, in one transaction, so a bad one (or
    /// one the stored results refuse) leaves nothing behind.
    /// - Throws: `ServiceError.invalid` with pointers under `/<index>`.
    public func submit(all drafts: [ImagingResultDraft], clinic: Clinic, actor: Actor) async throws -> [Submitted] {
        var validated: [NewImagingResult] = []
        var violations: [FieldViolation] = []
        for (index, draft) in drafts.enumerated() {
            do {
                validated.append(try validate(draft, clinic: clinic, now: actor.at))
            } catch ServiceError.invalid(let error) {
                violations += error.violations.map {
                    FieldViolation(pointer: "/\(index)\($0.pointer)", message: $0.message)
                }
            }
        }
        if !violations.isEmpty { throw ServiceError.invalid(ValidationError(violations)) }
        let submissions = try await store.submit(
            all: validated.map { new in
                let accession = new.accessionNumber
                return ImagingSubmissionRequest(result: new, newID: .random()) { snapshot, revision in
                    try Self.retriage(snapshot, accession: accession, revision: revision)
                }
            }, actor: actor)
        var submitted: [Submitted] = []
        for submission in submissions { submitted.append(try await answer(submission, actor: actor)) }
        return submitted
    }

    private func take(_ new: NewImagingResult, actor: Actor) async throws -> Submitted {
        let accession = new.accessionNumber
        let submission = try await store.submit(new, newID: .random(), actor: actor) { snapshot, revision in
            try Self.retriage(snapshot, accession: accession, revision: revision)
        }
        return try await answer(submission, actor: actor)
    }

    /// The stored result a submission names; a replay is audited as the read it is.
    private func answer(_ submission: ImagingSubmission, actor: Actor) async throws -> Submitted {
        guard let result = try await store.result(id: submission.id, revision: nil, scope: actor.scope) else {
            throw ServiceError.notFound(entity: "imaging result")
        }
        if case .replayed(let id) = submission {
            // A replay answers with stored patient data: that is a read, and it is audited as one.
            try await audit.record(
                AuditEntry(
                    actor: actor, action: "imaging_result.create.replay", entityType: "imaging_result",
                    entityID: id.rawValue))
        }
        return Submitted(result: result, submission: submission)
    }

    /// What a revised result does to an open referral that uses it: nothing when triage comes
    /// out the same; otherwise a `retriaged` event with the new urgency and dates, and when the
    /// revision brings red flags, the move to surgical review, where the state machine allows it.
    /// Red flags that go away on a revision do not bring the referral back: a clinician decides that.
    static func retriage(_ snapshot: ReferralSnapshot, accession: String, revision: Int) throws -> ReferralChange? {
        let outcome = Triage.assess(snapshot.triageInput)
        let referral = snapshot.referral
        guard
            outcome.urgency != referral.urgency || outcome.reasons != referral.urgencyReasons
                || outcome.evaluationDueOn != referral.evaluationDueOn
                || outcome.windowClosesOn != referral.windowClosesOn
        else { return nil }
        var change = ReferralChange(from: snapshot, noting: .retriaged)
        change.triage = outcome
        change.eventReason = "Imaging result \(accession) revision \(revision) re-ran triage."
        if outcome.urgency == .surgicalReview, ReferralTransition.routeToSurgicalReview.isAllowed(from: referral.status)
        {
            try change.move(.routeToSurgicalReview)
        }
        return change
    }

    public func result(id: ImagingResultID, revision: Int?, actor: Actor) async throws -> ImagingResult {
        if let revision, revision < 1 { throw ServiceError.invalid("/revision", "must be 1 or more") }
        let result = try await reach.within(.imagingResult(id), actor) {
            guard let result = try await store.result(id: id, revision: revision, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "imaging result")
            }
            return result
        }
        try await audit.record(
            AuditEntry(actor: actor, action: "imaging_result.read", entityType: "imaging_result", entityID: id.rawValue)
        )
        return result
    }

    /// Checks a result as intake does and computes its digest; also the bulk loader's way in.
    /// - Throws: `ServiceError.invalid` naming every bad field.
    public func validate(_ draft: ImagingResultDraft, clinic: Clinic, now: Date) throws -> NewImagingResult {
        var collector = ViolationCollector()
        let today = clinic.today(at: now)
        let source = collector.check("/sourceSystem") { try BoundedText(draft.sourceSystem, maxLength: 100) }
        let accession = collector.check("/accessionNumber") { try BoundedText(draft.accessionNumber, maxLength: 100) }
        let patient = collector.check("/patient") {
            try PatientDetails(
                mrn: draft.patient.mrn, givenName: draft.patient.givenName, familyName: draft.patient.familyName,
                birthDate: draft.patient.birthDate, sex: draft.patient.sex, today: today)
        }
        // A few minutes of clock skew between the modality and this server is normal.
        if draft.performedAt > now.addingTimeInterval(300) {
            collector.add("/performedAt", "must not be in the future")
        }
        if draft.performedAt < now.addingTimeInterval(-100 * 365 * 86_400) {
            collector.add("/performedAt", "is implausibly old")
        }
        var impression = ""
        if let text = draft.impression, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            impression = collector.check("/impression") { try BoundedText(text, maxLength: 10_000) }?.value ?? ""
        }
        if draft.findings.count > Self.maximumFindings {
            collector.add("/findings", "must list at most \(Self.maximumFindings) levels")
        }
        var findings: [VertebralFinding] = []
        var seen: Set<VertebralLevel> = []
        for (index, item) in draft.findings.prefix(Self.maximumFindings).enumerated() {
            guard let level = collector.check("/findings/\(index)/level", { try VertebralLevel(item.level) }) else {
                continue
            }
            if !seen.insert(level).inserted {
                collector.add("/findings/\(index)/level", "\(level) is reported twice in this study")
            }
            if let finding = collector.check(
                "/findings/\(index)",
                {
                    try VertebralFinding(
                        level: level, heightLossPercent: item.heightLossPercent, morphology: item.morphology,
                        edema: item.edema, retropulsion: item.retropulsion,
                        suspectedMalignancy: item.suspectedMalignancy, suspectedInfection: item.suspectedInfection)
                })
            {
                findings.append(finding)
            }
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        let canonical =
            ([
                draft.status.rawValue, draft.modality.rawValue, String(draft.performedAt.timeIntervalSince1970),
                patient!.mrn.value, patient!.familyName.value, patient!.givenName.value, patient!.birthDate.description,
                patient!.sex.rawValue, impression,
            ]
            + findings.map {
                "\($0.level)|\($0.heightLossPercent)|\($0.morphology?.rawValue ?? "")|\($0.edema.rawValue)|\($0.retropulsion)|\($0.suspectedMalignancy)|\($0.suspectedInfection)"
            })
            .map { "\($0.utf8.count):\($0)" }.joined()
        return NewImagingResult(
            clinicID: clinic.id, patient: patient!, sourceSystem: source!.value, accessionNumber: accession!.value,
            status: draft.status, modality: draft.modality, performedAt: draft.performedAt,
            impression: impression, findings: findings,
            contentHash: Array(SHA256.hash(data: Data(canonical.utf8))))
    }
}
