import ClinicDomain
import Foundation

/// Where the nightly report's figures come from and where each clinic-day's report is recorded.
public protocol ReportStore: Sendable {
    /// Up to `limit` clinic ids, to pick the only clinic when none is named.
    func clinicIDs(limit: Int) async throws -> [ClinicID]
    /// Where one report's figures are read, chosen once per report: a streaming replica when one
    /// is configured and has replayed everything the primary had committed when asked, the
    /// primary otherwise (no replica, a replica behind or out of reach).
    func figures() async -> any ReportFigures
    /// The primary's figures: for a report whose replica failed while it was read.
    var primaryFigures: any ReportFigures { get }
    /// The clinic-day's recorded report; or `compute` it and record it. Runs that find no record
    /// each compute (holding no connection meanwhile); under a lock every run takes, the first to
    /// finish becomes the record and the others return it instead of their own. `recompute`
    /// replaces an existing record's report.
    func recorded(
        clinicID: ClinicID, date: LocalDate, generatedBy: String, recompute: Bool, scope: ClinicScope,
        compute: @escaping @Sendable () async throws -> NightlyReport
    ) async throws -> RecordedReport
}

/// What the nightly report reads, aggregated where the history is (so memory does not grow with
/// it).
public protocol ReportFigures: Sendable {
    /// True when these are read from a streaming replica rather than the primary.
    var fromReplica: Bool { get }
    /// Reading failed with `error`: a replica is passed over for a while (a standby may cancel a
    /// query that conflicts with the recovery it replays; it may stop or restart).
    func readFailed(_ error: any Error)
    /// Referrals received in `[from, to)`, counted by their urgency at `to` and by source.
    func newReferrals(clinicID: ClinicID, from: Date, to: Date, scope: ClinicScope) async throws -> [NewReferralCount]
    /// Two cohorts, received in `[dayFrom, to)` and in `[rollingFrom, to)`: how many of each had
    /// reached each step by `to`. One pass over the longer period.
    func funnels(clinicID: ClinicID, dayFrom: Date, rollingFrom: Date, to: Date, scope: ClinicScope) async throws -> (
        day: FunnelCounts, rolling: FunnelCounts
    )
    /// Days (on the clinic's calendar) from referral to first evaluation, for first evaluations
    /// in `[from, to)`; and from first candidacy decision to procedure, for procedures done then.
    func durations(clinicID: ClinicID, zone: ClinicTimeZone, from: Date, to: Date, scope: ClinicScope) async throws
        -> (toEvaluation: DayDistribution, toProcedure: DayDistribution)
    /// Referrals whose status at `asOf` is one of `statuses` and that are past their evaluation
    /// due date (before `dueBefore`) or whose candidacy window closes in `windowFrom...windowThrough`.
    func referralsNeedingAction(
        clinicID: ClinicID, asOf: Date, statuses: [ReferralStatus], dueBefore: LocalDate,
        windowFrom: LocalDate, windowThrough: LocalDate, scope: ClinicScope
    ) async throws -> [ReferralActionRow]
    /// Every active resource with its template, blocks and live claims overlapping `[from, to)`,
    /// holds expired at `now` left out.
    func usage(clinicID: ClinicID, from: Date, to: Date, now: Date, scope: ClinicScope) async throws
        -> [ResourceUsageRow]
    /// Visits that were due in `[from, to)` and were cancelled or missed.
    func disruptions(clinicID: ClinicID, from: Date, to: Date, scope: ClinicScope) async throws -> [DisruptionRow]
    /// Candidates waiting for a procedure booking at `asOf`, and the longest-waiting one.
    func waitlist(clinicID: ClinicID, asOf: Date, scope: ClinicScope) async throws -> (length: Int, oldest: WaitingRow?)
}

/// A report and what became of its record.
public struct RecordedReport: Sendable {
    public let report: NightlyReport
    /// True when an earlier run's record was returned rather than a new computation.
    public let reused: Bool
    public init(report: NightlyReport, reused: Bool) {
        self.report = report
        self.reused = reused
    }
}

/// New referrals of one urgency (nil: not triaged) from one source.
public struct NewReferralCount: Sendable, Hashable {
    public let urgency: String?
    public let source: String
    public let count: Int
    public init(urgency: String?, source: String, count: Int) {
        self.urgency = urgency
        self.source = source
        self.count = count
    }
}

/// A cohort's counts at each step of the pathway.
public struct FunnelCounts: Sendable, Hashable {
    public let received: Int
    public let evaluated: Int
    public let candidate: Int
    public let procedureBooked: Int
    public let done: Int
    public init(received: Int, evaluated: Int, candidate: Int, procedureBooked: Int, done: Int) {
        self.received = received
        self.evaluated = evaluated
        self.candidate = candidate
        self.procedureBooked = procedureBooked
        self.done = done
    }

    /// Two disjoint cohorts as one.
    public static func + (lhs: FunnelCounts, rhs: FunnelCounts) -> FunnelCounts {
        FunnelCounts(
            received: lhs.received + rhs.received, evaluated: lhs.evaluated + rhs.evaluated,
            candidate: lhs.candidate + rhs.candidate, procedureBooked: lhs.procedureBooked + rhs.procedureBooked,
            done: lhs.done + rhs.done)
    }
}

/// An open referral with what the report needs to say how late it is and what to do next.
public struct ReferralActionRow: Sendable, Hashable {
    public let referralID: ReferralID
    public let patientName: String
    public let mrn: String
    public let urgency: String?
    /// The status at `asOf`, from the event log.
    public let status: ReferralStatus
    public let receivedAt: Date
    public let evaluationDueOn: LocalDate?
    public let windowClosesOn: LocalDate?
    /// The next live visit of the kind the status waits for (an evaluation or a procedure).
    public let nextVisit: Date?
    /// For a deferred referral, the re-evaluation date its evaluation set.
    public let reevaluateOn: LocalDate?
    public init(
        referralID: ReferralID, patientName: String, mrn: String, urgency: String?, status: ReferralStatus,
        receivedAt: Date,
        evaluationDueOn: LocalDate?, windowClosesOn: LocalDate?, nextVisit: Date?, reevaluateOn: LocalDate?
    ) {
        self.referralID = referralID
        self.patientName = patientName
        self.mrn = mrn
        self.urgency = urgency
        self.status = status
        self.receivedAt = receivedAt
        self.evaluationDueOn = evaluationDueOn
        self.windowClosesOn = windowClosesOn
        self.nextVisit = nextVisit
        self.reevaluateOn = reevaluateOn
    }
}

/// A cancelled or missed visit.
public struct DisruptionRow: Sendable, Hashable {
    public let appointmentID: AppointmentID
    public let kind: VisitKind
    public let state: AppointmentState
    public let start: Date
    public let patientName: String
    public let reason: String?
    public init(
        appointmentID: AppointmentID, kind: VisitKind, state: AppointmentState, start: Date, patientName: String,
        reason: String?
    ) {
        self.appointmentID = appointmentID
        self.kind = kind
        self.state = state
        self.start = start
        self.patientName = patientName
        self.reason = reason
    }
}

/// A candidate waiting for a procedure, since their first candidacy decision.
public struct WaitingRow: Sendable, Hashable {
    public let referralID: ReferralID
    public let patientName: String
    public let candidateSince: Date
    public init(referralID: ReferralID, patientName: String, candidateSince: Date) {
        self.referralID = referralID
        self.patientName = patientName
        self.candidateSince = candidateSince
    }
}
