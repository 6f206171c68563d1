import ClinicDomain
import Testing

/// The referral state machine, legal and illegal moves, as one table.
@Suite("Referral state machine")
struct ReferralStateMachineTests {
    /// Every legal move. Anything not listed must be refused.
    static let legal: [(ReferralStatus, ReferralTransition, ReferralStatus)] =
        [
            (.received, .triage, .triaged),
            (.received, .routeToSurgicalReview, .surgicalReview),
            (.triaged, .routeToSurgicalReview, .surgicalReview),
            (.evaluationScheduled, .routeToSurgicalReview, .surgicalReview),
            (.evaluated(.candidate), .routeToSurgicalReview, .surgicalReview),
            (.evaluated(.notCandidate), .routeToSurgicalReview, .surgicalReview),
            (.evaluated(.deferred), .routeToSurgicalReview, .surgicalReview),
            (.surgicalReview, .returnFromSurgicalReview, .triaged),
            (.triaged, .scheduleEvaluation, .evaluationScheduled),
            (.evaluated(.deferred), .scheduleEvaluation, .evaluationScheduled),
            (.evaluationScheduled, .recordEvaluation(.candidate), .evaluated(.candidate)),
            (.evaluationScheduled, .recordEvaluation(.notCandidate), .evaluated(.notCandidate)),
            (.evaluationScheduled, .recordEvaluation(.deferred), .evaluated(.deferred)),
            (.triaged, .recordEvaluation(.candidate), .evaluated(.candidate)),
            (.triaged, .recordEvaluation(.notCandidate), .evaluated(.notCandidate)),
            (.triaged, .recordEvaluation(.deferred), .evaluated(.deferred)),
            (.evaluated(.candidate), .scheduleProcedure, .procedureScheduled),
            (.procedureScheduled, .completeProcedure, .procedureDone),
            (.procedureDone, .scheduleFollowUp, .followUpScheduled),
            (.evaluationScheduled, .appointmentCancelled, .triaged),
            (.procedureScheduled, .appointmentCancelled, .evaluated(.candidate)),
            (.followUpScheduled, .appointmentCancelled, .procedureDone),
            (.followUpScheduled, .close, .closed),
            (.evaluated(.notCandidate), .close, .closed),
            (.surgicalReview, .close, .closed),
            (.procedureDone, .close, .closed),
        ] + ReferralStatus.allCases.filter { !$0.isTerminal }.map { ($0, .cancel, .cancelled) }

    static let transitions: [ReferralTransition] = [
        .triage, .routeToSurgicalReview, .returnFromSurgicalReview, .scheduleEvaluation, .recordEvaluation(.candidate),
        .recordEvaluation(.notCandidate),
        .recordEvaluation(.deferred), .scheduleProcedure, .completeProcedure, .scheduleFollowUp, .appointmentCancelled,
        .close, .cancel,
    ]

    @Test("each legal transition leads to its target", arguments: legal.indices)
    func legalTransition(index: Int) throws {
        let (from, transition, to) = Self.legal[index]
        #expect(try transition.apply(to: from) == to)
    }

    @Test("every move not in the table is refused, naming the current state", arguments: ReferralStatus.allCases)
    func illegalTransitions(from status: ReferralStatus) {
        for transition in Self.transitions where !Self.legal.contains(where: { $0.0 == status && $0.1 == transition }) {
            #expect(throws: ReferralTransition.Refused(from: status, transition: transition)) {
                try transition.apply(to: status)
            }
        }
    }

    @Test("closed and cancelled referrals accept nothing, not even cancel")
    func terminalStatesAreFinal() {
        for status in [ReferralStatus.closed, .cancelled] {
            for transition in Self.transitions {
                #expect(throws: ReferralTransition.Refused.self) { try transition.apply(to: status) }
            }
        }
    }

    @Test("status codes round-trip and are unique")
    func codesRoundTrip() {
        let codes = ReferralStatus.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
        for status in ReferralStatus.allCases { #expect(ReferralStatus(code: status.code) == status) }
        #expect(ReferralStatus(code: "evaluated") == nil)
    }
}
