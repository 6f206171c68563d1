/// Every legal move of a referral, named. `ReferralTransition.apply` is the state machine.
public enum ReferralTransition: Hashable, Sendable {
    /// Triage finished on a kyphoplasty pathway (routine or urgent).
    case triage
    /// Red flags found at triage or on a result revision.
    case routeToSurgicalReview
    /// Surgical review found no reason to leave the kyphoplasty pathway.
    case returnFromSurgicalReview
    case scheduleEvaluation
    case recordEvaluation(EvaluationOutcome)
    case scheduleProcedure
    case completeProcedure
    case scheduleFollowUp
    /// A booked visit was cancelled or missed: back to the state that needs a booking.
    case appointmentCancelled
    case close
    case cancel

    /// Every transition there is.
    public static let allCases: [ReferralTransition] =
        [.triage, .routeToSurgicalReview, .returnFromSurgicalReview, .scheduleEvaluation]
        + EvaluationOutcome.allCases.map { .recordEvaluation($0) }
        + [.scheduleProcedure, .completeProcedure, .scheduleFollowUp, .appointmentCancelled, .close, .cancel]

    /// A transition that is not legal from the current state.
    public struct Refused: Error, Hashable, Sendable {
        public let from: ReferralStatus
        public let transition: ReferralTransition

        public init(from: ReferralStatus, transition: ReferralTransition) {
            self.from = from
            self.transition = transition
        }
    }

    /// Whether this move is legal from `status`: a question, not a move.
    public func isAllowed(from status: ReferralStatus) -> Bool { target(from: status) != nil }

    /// The state this transition leads to from `status`.
    /// - Throws: `Refused` naming the current state when the move is illegal.
    public func apply(to status: ReferralStatus) throws -> ReferralStatus {
        guard let next = target(from: status) else { throw Refused(from: status, transition: self) }
        return next
    }

    private func target(from status: ReferralStatus) -> ReferralStatus? {
        switch (self, status) {
        case (.triage, .received): .triaged
        case (.routeToSurgicalReview, .received), (.routeToSurgicalReview, .triaged),
            (.routeToSurgicalReview, .evaluationScheduled), (.routeToSurgicalReview, .evaluated):
            .surgicalReview
        case (.returnFromSurgicalReview, .surgicalReview): .triaged
        case (.scheduleEvaluation, .triaged), (.scheduleEvaluation, .evaluated(.deferred)): .evaluationScheduled
        case (.recordEvaluation(let outcome), .evaluationScheduled), (.recordEvaluation(let outcome), .triaged):
            .evaluated(outcome)
        case (.scheduleProcedure, .evaluated(.candidate)): .procedureScheduled
        case (.completeProcedure, .procedureScheduled): .procedureDone
        case (.scheduleFollowUp, .procedureDone): .followUpScheduled
        case (.appointmentCancelled, .evaluationScheduled): .triaged
        case (.appointmentCancelled, .procedureScheduled): .evaluated(.candidate)
        case (.appointmentCancelled, .followUpScheduled): .procedureDone
        case (.close, .followUpScheduled), (.close, .evaluated(.notCandidate)), (.close, .surgicalReview),
            (.close, .procedureDone):
            .closed
        case (.cancel, let current) where !current.isTerminal: .cancelled
        default: nil
        }
    }

    /// What the transition does, as a phrase for "Cannot <action> a referral in status X".
    public var action: String {
        switch self {
        case .triage: "triage"
        case .routeToSurgicalReview: "route to surgical review"
        case .returnFromSurgicalReview: "return from surgical review"
        case .scheduleEvaluation: "book an evaluation for"
        case .recordEvaluation: "record an evaluation for"
        case .scheduleProcedure: "book a procedure for"
        case .completeProcedure: "complete the procedure of"
        case .scheduleFollowUp: "book a follow-up for"
        case .appointmentCancelled: "return to booking"
        case .close: "close"
        case .cancel: "cancel"
        }
    }

    /// The stable name written to the event log.
    public var code: String {
        switch self {
        case .triage: "triage"
        case .routeToSurgicalReview: "route_to_surgical_review"
        case .returnFromSurgicalReview: "return_from_surgical_review"
        case .scheduleEvaluation: "schedule_evaluation"
        case .recordEvaluation(let outcome): "record_evaluation_\(outcome.rawValue)"
        case .scheduleProcedure: "schedule_procedure"
        case .completeProcedure: "complete_procedure"
        case .scheduleFollowUp: "schedule_follow_up"
        case .appointmentCancelled: "appointment_cancelled"
        case .close: "close"
        case .cancel: "cancel"
        }
    }
}
