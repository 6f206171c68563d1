import Foundation

/// Marker for appointment identifiers.
public enum AppointmentTag {}
public typealias AppointmentID = Identifier<AppointmentTag>

/// What a visit is for; each kind needs its own resources and length.
public enum VisitKind: String, CaseIterable, Sendable, Codable {
    case evaluation
    case procedure
    case followUp = "follow_up"

    /// The status a referral waits in while a booked visit of this kind is ahead: where booking
    /// it moved the referral, and where its cancellation moves it back from.
    public var bookedStatus: ReferralStatus {
        switch self {
        case .evaluation: .evaluationScheduled
        case .procedure: .procedureScheduled
        case .followUp: .followUpScheduled
        }
    }

    /// The referral move that booking this kind makes.
    public var bookingTransition: ReferralTransition {
        switch self {
        case .evaluation: .scheduleEvaluation
        case .procedure: .scheduleProcedure
        case .followUp: .scheduleFollowUp
        }
    }

    /// What the visit needs at a clinic. A procedure holds its room and proceduralist for the
    /// levels plus room turnover; the patient's stay (procedure plus recovery) must end by closing.
    public func requirement(_ setup: ClinicSetup, levels: Int = 1, anesthesia: AnesthesiaPlan = .localWithSedation)
        -> VisitRequirement
    {
        switch self {
        case .evaluation:
            return VisitRequirement(kinds: [.consultRoom, .evaluator], minutes: setup.evaluationMinutes)
        case .followUp:
            return VisitRequirement(kinds: [.consultRoom, .evaluator], minutes: setup.followUpMinutes)
        case .procedure:
            let kinds: [ResourceKind] =
                anesthesia == .general
                ? [.procedureRoom, .proceduralist, .anesthesia] : [.procedureRoom, .proceduralist]
            return VisitRequirement(
                kinds: kinds, minutes: levels * setup.minutesPerLevel + setup.turnoverMinutes,
                afterMinutes: max(0, setup.recoveryMinutes - setup.turnoverMinutes))
        }
    }
}

/// Where an appointment is in its life.
public enum AppointmentState: String, CaseIterable, Sendable, Codable {
    /// Resources reserved until the hold expires; an expired hold never blocks anyone.
    case held
    case booked
    case confirmed
    case checkedIn = "checked_in"
    case completed
    case cancelled
    case noShow = "no_show"
}

/// A booked (or held) visit with the resources it claims.
public struct Appointment: Hashable, Sendable {
    public let id: AppointmentID
    public let referralID: ReferralID
    public let clinicID: ClinicID
    public let kind: VisitKind
    public let state: AppointmentState
    public let start: Date
    public let end: Date
    public let resources: [Resource]
    public let holdExpiresAt: Date?
    public let cancelReason: String?
    /// Set when booked over a conflict on purpose, with why.
    public let overbookReason: String?
    public let consentRecorded: Bool
    public let version: Int

    public init(
        id: AppointmentID, referralID: ReferralID, clinicID: ClinicID, kind: VisitKind, state: AppointmentState,
        start: Date,
        end: Date, resources: [Resource], holdExpiresAt: Date?, cancelReason: String?, overbookReason: String? = nil,
        consentRecorded: Bool = false,
        version: Int
    ) {
        self.overbookReason = overbookReason
        self.consentRecorded = consentRecorded
        self.id = id
        self.referralID = referralID
        self.clinicID = clinicID
        self.kind = kind
        self.state = state
        self.start = start
        self.end = end
        self.resources = resources
        self.holdExpiresAt = holdExpiresAt
        self.cancelReason = cancelReason
        self.version = version
    }
}
