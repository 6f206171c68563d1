import ClinicDomain
import Foundation

/// One referral's whole history, built from validated domain values, for a bulk load
/// (`clinic seed --network`): what the services would have written had it happened live.
public struct BulkReferral: Sendable {
    public let id: ReferralID
    public let patientID: PatientID
    public let referral: NewReferral
    public let imagingResultID: ImagingResultID
    public let imaging: NewImagingResult
    public let createdAt: Date
    public let events: [BulkEvent]
    public let evaluation: BulkEvaluation?
    public let appointments: [BulkAppointment]

    public init(
        id: ReferralID, patientID: PatientID, referral: NewReferral, imagingResultID: ImagingResultID,
        imaging: NewImagingResult, createdAt: Date, events: [BulkEvent], evaluation: BulkEvaluation?,
        appointments: [BulkAppointment]
    ) {
        self.id = id
        self.patientID = patientID
        self.referral = referral
        self.imagingResultID = imagingResultID
        self.imaging = imaging
        self.createdAt = createdAt
        self.events = events
        self.evaluation = evaluation
        self.appointments = appointments
    }

    /// Where the history leaves the referral: the last event's status.
    public var status: ReferralStatus { events.last?.to ?? .received }

    /// The last change: when the referral row was last updated.
    public var updatedAt: Date { events.last?.at ?? createdAt }
}

/// One entry of a referral's event log.
public struct BulkEvent: Sendable {
    public let kind: ReferralEventKind
    public let from: ReferralStatus?
    public let to: ReferralStatus
    public let at: Date
    /// The triage that a `triage` or `route to surgical review` move recorded.
    public let triage: TriageOutcome?

    public init(kind: ReferralEventKind, from: ReferralStatus?, to: ReferralStatus, at: Date, triage: TriageOutcome?) {
        self.kind = kind
        self.from = from
        self.to = to
        self.at = at
        self.triage = triage
    }
}

/// The evaluation recorded at the evaluation visit.
public struct BulkEvaluation: Sendable {
    public let evaluation: NewEvaluation
    public let clinicianName: String
    public let at: Date

    public init(evaluation: NewEvaluation, clinicianName: String, at: Date) {
        self.evaluation = evaluation
        self.clinicianName = clinicianName
        self.at = at
    }
}

/// A visit with the resources it claims, in the state the history left it.
public struct BulkAppointment: Sendable {
    public let id: AppointmentID
    public let kind: VisitKind
    public let state: AppointmentState
    public let start: Date
    public let end: Date
    public let resources: [ResourceID]
    public let bookedAt: Date
    public let updatedAt: Date

    public init(
        id: AppointmentID, kind: VisitKind, state: AppointmentState, start: Date, end: Date,
        resources: [ResourceID], bookedAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.state = state
        self.start = start
        self.end = end
        self.resources = resources
        self.bookedAt = bookedAt
        self.updatedAt = updatedAt
    }
}

/// Writes histories in bulk: every row of a batch or none.
public protocol BulkHistoryStore: Sendable {
    /// - Parameter actorName: who the events and evaluations name as their author.
    func write(_ batch: [BulkReferral], clinicID: ClinicID, actorName: String) async throws
}
