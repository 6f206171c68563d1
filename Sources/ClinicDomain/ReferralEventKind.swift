/// What a line of a referral's event log records: a move of the state machine, or one of the few
/// things worth recording that leave the status where it is. The one list of event kinds; the
/// report and the API read their codes.
public enum ReferralEventKind: Hashable, Sendable {
    /// The referral came in (status `received`); triage's move follows in the same transaction.
    case created
    /// A move of the state machine: the status changed by exactly this transition.
    case moved(ReferralTransition)
    /// Its own fields were edited (reason, clinician, onset, flags, payer) and triage re-ran.
    case edited
    /// Someone set its urgency by hand, with a reason.
    case urgencyOverridden
    /// A revised imaging result re-ran triage.
    case retriaged
    /// A visit moved to another time.
    case visitRescheduled
    /// A booking was confirmed (a hold's confirmation moves the referral instead).
    case visitConfirmed
    /// The patient checked in.
    case checkedIn
    /// An evaluation visit happened; its outcome is the evaluation's own event.
    case visitCompleted
    /// A visit the referral no longer waits on was cancelled or missed: a hold (which never moved
    /// it), or a visit after the referral had moved on.
    case visitCancelled

    /// The stable name in the event log and the API.
    public var code: String {
        switch self {
        case .created: "created"
        case .moved(let transition): transition.code
        case .edited: "updated"
        case .urgencyOverridden: "urgency_override"
        case .retriaged: "retriaged"
        case .visitRescheduled: "rescheduled"
        case .visitConfirmed: "appointment_confirmed"
        case .checkedIn: "appointment_checked_in"
        case .visitCompleted: "appointment_completed"
        case .visitCancelled: "visit_cancelled"
        }
    }

    /// Every kind there is.
    public static let allCases: [ReferralEventKind] =
        [
            .created, .edited, .urgencyOverridden, .retriaged, .visitRescheduled, .visitConfirmed, .checkedIn,
            .visitCompleted,
            .visitCancelled,
        ] + ReferralTransition.allCases.map { .moved($0) }

    /// The kind a stored code names; nil for a code no version of this list wrote.
    public init?(code: String) {
        guard let kind = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = kind
    }

    /// The transition, when this event is a move.
    public var transition: ReferralTransition? {
        if case .moved(let transition) = self { return transition }
        return nil
    }
}
