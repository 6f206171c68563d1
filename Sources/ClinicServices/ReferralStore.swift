import ClinicDomain
import Crypto
import Foundation

/// A claim on an Idempotency-Key, made in the same transaction as the creation it guards.
public struct IdempotencyClaim: Hashable, Sendable {
    /// Keys are per operation and per caller, so two clients cannot collide.
    public let scope: String
    public let key: String
    /// SHA-256 of the request's canonical form: the same key with another request is refused.
    public let requestHash: [UInt8]

    public init(scope: String, key: String, requestHash: [UInt8]) {
        self.scope = scope
        self.key = key
        self.requestHash = requestHash
    }

    /// A request's hash from its fields in a fixed order, each length-prefixed so that no two
    /// different field lists run together into the same text.
    public static func fingerprint(_ fields: [String]) -> [UInt8] {
        Array(SHA256.hash(data: Data(fields.map { "\($0.utf8.count):\($0)" }.joined().utf8)))
    }

    /// Checks a caller's Idempotency-Key: 1 to 200 visible ASCII characters.
    public static func validate(_ key: String?) throws {
        if let key,
            key.isEmpty || key.count > 200 || key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7E })
        {
            throw ServiceError.invalid("/Idempotency-Key", "must be 1 to 200 visible ASCII characters")
        }
    }
}

/// What a create returned: a new row, or the id of the row an earlier identical request made.
public enum CreateOutcome<ID: Sendable & Hashable>: Sendable, Hashable {
    case created(ID)
    case replayed(ID)

    public var id: ID {
        switch self {
        case .created(let id), .replayed(let id): id
        }
    }
}

/// Filters and position of one page of referrals, newest first.
public struct ReferralQuery: Hashable, Sendable {
    public var status: ReferralStatus?
    /// Only referrals in one of these states (FHIR's statuses each cover several).
    public var statuses: [ReferralStatus]?
    /// Only referrals whose urgency, after any override, is this one.
    public var effectiveUrgency: Urgency?
    public var urgency: Urgency?
    public var clinicID: ClinicID?
    public var patientID: PatientID?
    /// true: only referrals past their evaluation due date (clinic's calendar) and still waiting for
    /// it; false: only the others.
    public var overdue: Bool?
    /// Only referrals without a procedure whose candidacy window closes within this many days from today.
    public var windowClosingWithinDays: Int?
    public var createdFrom: Date?
    public var createdBefore: Date?
    public var limit: Int
    public var after: ReferralCursor?
    /// "Today" for overdue and window filters is this instant's date in each referral's clinic zone.
    public var now: Date
    /// Only referrals of these clinics: the caller's reach.
    public var scope: ClinicScope

    public init(
        status: ReferralStatus? = nil, urgency: Urgency? = nil, clinicID: ClinicID? = nil, patientID: PatientID? = nil,
        overdue: Bool? = nil, windowClosingWithinDays: Int? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil,
        limit: Int = 50, after: ReferralCursor? = nil, now: Date, scope: ClinicScope
    ) {
        self.scope = scope
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
        self.now = now
    }
}

/// One page of referrals and where the next one starts (`nil` at the end).
public struct ReferralPage: Hashable, Sendable {
    public let items: [Referral]
    public let next: ReferralCursor?

    public init(items: [Referral], next: ReferralCursor?) {
        self.items = items
        self.next = next
    }
}

/// Persists referrals, their events and their audit rows.
///
/// Every method reads and writes within a scope: the reader's, or the acting principal's for a
/// change. A referral of a clinic outside it does not exist as far as the method can tell.
public protocol ReferralStore: Sendable {
    /// Creates the patient (or matches one by clinic + MRN), the referral in `received`, its first
    /// event and its audit row, in one transaction. With a claim, a replay returns the first id.
    func create(
        _ referral: NewReferral, id: ReferralID, actor: Actor,
        idempotency: IdempotencyClaim?
    ) async throws -> CreateOutcome<ReferralID>
    /// The referral, when it exists within `scope`.
    func referral(id: ReferralID, scope: ClinicScope) async throws -> Referral?
    /// The patient, when they exist within `scope`.
    func patient(id: PatientID, scope: ClinicScope) async throws -> Patient?
    func list(_ query: ReferralQuery) async throws -> ReferralPage
    /// The event log of a referral, oldest first; nil when the referral does not exist within `scope`.
    func events(referralID: ReferralID, scope: ClinicScope) async throws -> [ReferralEvent]?
    /// Locks the referral, lets `decide` compute its next state from what is stored, and writes
    /// that state, its event and its audit row in one transaction. With `expectedVersion`, a
    /// referral changed since is refused with `ServiceError.versionMismatch`.
    func change(
        id: ReferralID, expectedVersion: Int?, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot) throws -> ReferralChange) async throws
    /// `change` for a cancellation: in the same transaction the referral's holds and bookings are
    /// cancelled and their resources freed (a visit already checked in is left to finish), each
    /// with its audit row. Returns the appointments released.
    func cancel(
        id: ReferralID, expectedVersion: Int?, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot) throws -> ReferralChange
    ) async throws -> [AppointmentID]
}

/// Reads clinics.
public protocol ClinicStore: Sendable {
    func clinic(id: ClinicID) async throws -> Clinic?
    /// The clinic's triage targets; defaults when the clinic does not exist.
    func triageTargets(clinicID: ClinicID) async throws -> TriageTargets
    /// The clinic and its triage targets in one read, for a new referral's triage.
    func clinicAndTargets(id: ClinicID) async throws -> (clinic: Clinic, targets: TriageTargets)?
}

/// A referral as locked for a change, with what triage needs to re-run.
public struct ReferralSnapshot: Sendable {
    public let referral: Referral
    public let urgencyOverrideReason: String?
    public let triageInput: TriageInput

    public init(referral: Referral, urgencyOverrideReason: String?, triageInput: TriageInput) {
        self.referral = referral
        self.urgencyOverrideReason = urgencyOverrideReason
        self.triageInput = triageInput
    }
}

/// The whole next state of a referral, and the event that explains it.
///
/// The status and the event change together and only together: `move(_:)` applies a transition
/// of the state machine and makes it the event; otherwise the change notes an event that leaves
/// the status where it was. There is no other way to set either.
public struct ReferralChange: Sendable {
    public private(set) var status: ReferralStatus
    public private(set) var event: ReferralEventKind
    public var reason: BoundedText
    public var referringClinician: ReferringClinician
    public var symptomOnset: LocalDate?
    public var flags: ClinicalFlags
    public var payer: String?
    public var urgencyOverride: Urgency?
    public var urgencyOverrideReason: String?
    public var triage: TriageOutcome
    public var cancelReason: String?
    public var eventReason: String?

    /// Starts from the stored state, noting `event`; the caller edits what changes, and moves
    /// the referral with `move(_:)` when it should move.
    public init(from snapshot: ReferralSnapshot, noting event: ReferralEventKind) {
        let referral = snapshot.referral
        status = referral.status
        reason = referral.reason
        referringClinician = referral.referringClinician
        symptomOnset = referral.symptomOnset
        flags = referral.flags
        payer = referral.payer
        urgencyOverride = referral.urgencyOverride
        urgencyOverrideReason = snapshot.urgencyOverrideReason
        triage = Triage.assess(snapshot.triageInput)
        cancelReason = referral.cancelReason
        self.event = event
    }

    /// Starts from the stored state and moves it along `transition`.
    /// - Throws: `ServiceError.illegalTransition` naming the current status when the move is illegal.
    public init(from snapshot: ReferralSnapshot, moving transition: ReferralTransition) throws {
        self.init(from: snapshot, noting: .moved(transition))
        try move(transition)
    }

    /// Moves the referral along `transition`: the status and the event together.
    /// - Throws: `ServiceError.illegalTransition` naming the current status when the move is illegal.
    public mutating func move(_ transition: ReferralTransition) throws {
        do {
            status = try transition.apply(to: status)
        } catch {
            throw ServiceError.illegalTransition(current: status, attempted: transition.action)
        }
        event = .moved(transition)
    }

    /// Re-runs triage on the edited fields, keeping the received date and the studies.
    public mutating func retriage(_ snapshot: ReferralSnapshot) {
        var input = snapshot.triageInput
        input.flags = flags
        input.symptomOnset = symptomOnset
        input.override = urgencyOverride
        triage = Triage.assess(input)
    }
}

/// One row of a referral's event log.
public struct ReferralEvent: Sendable, Hashable {
    public let id: Int64
    public let occurredAt: Date
    public let kind: String
    public let fromStatus: String?
    public let toStatus: String
    public let actorName: String
    public let actorRole: String
    public let reason: String?
    public let urgency: Urgency?
    public let previousUrgency: Urgency?
    public let reasons: [TriageReason]

    public init(
        id: Int64, occurredAt: Date, kind: String, fromStatus: String?, toStatus: String, actorName: String,
        actorRole: String, reason: String?, urgency: Urgency?, previousUrgency: Urgency?, reasons: [TriageReason]
    ) {
        self.id = id
        self.occurredAt = occurredAt
        self.kind = kind
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.actorName = actorName
        self.actorRole = actorRole
        self.reason = reason
        self.urgency = urgency
        self.previousUrgency = previousUrgency
        self.reasons = reasons
    }
}
