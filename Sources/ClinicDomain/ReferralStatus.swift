/// What an evaluation visit concluded.
public enum EvaluationOutcome: String, CaseIterable, Sendable, Hashable {
    case candidate
    case notCandidate = "not_candidate"
    case deferred
}

/// Where a referral is on its way from imaging to follow-up. The one list of states.
public enum ReferralStatus: Hashable, Sendable, CaseIterable {
    case received
    case triaged
    /// Red flags: leaves the kyphoplasty pathway for urgent surgical review.
    case surgicalReview
    case evaluationScheduled
    case evaluated(EvaluationOutcome)
    case procedureScheduled
    case procedureDone
    case followUpScheduled
    case closed
    case cancelled

    public static let allCases: [ReferralStatus] =
        [.received, .triaged, .surgicalReview, .evaluationScheduled]
        + EvaluationOutcome.allCases.map { .evaluated($0) }
        + [.procedureScheduled, .procedureDone, .followUpScheduled, .closed, .cancelled]

    /// The stable code used in the API and the database.
    public var code: String {
        switch self {
        case .received: "received"
        case .triaged: "triaged"
        case .surgicalReview: "surgical_review"
        case .evaluationScheduled: "evaluation_scheduled"
        case .evaluated(let outcome): outcome.rawValue
        case .procedureScheduled: "procedure_scheduled"
        case .procedureDone: "procedure_done"
        case .followUpScheduled: "follow_up_scheduled"
        case .closed: "closed"
        case .cancelled: "cancelled"
        }
    }

    public init?(code: String) {
        guard let status = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = status
    }

    /// Closed and cancelled referrals accept no further transition.
    public var isTerminal: Bool { self == .closed || self == .cancelled }
}
