import Foundation

/// One readiness item for confirming a procedure: met or not, and what to do about it.
public struct ReadinessItem: Hashable, Sendable {
    public let code: String
    public let met: Bool
    public let detail: String

    public init(code: String, met: Bool, detail: String) {
        self.code = code
        self.met = met
        self.detail = detail
    }
}

/// What must be true before a procedure booking is confirmed (DOMAIN.md: imaging recent enough,
/// labs within thresholds, anticoagulant holds still reachable, consent, prior authorization).
public enum ProcedureReadiness {
    /// - Parameters:
    ///   - latestImaging: the date of the most recent study on the referral, if any.
    ///   - imagingMaxAgeDays: how old that study may be on the procedure date.
    public static func procedure(
        plan: PreProcedurePlan, today: LocalDate, latestImaging: LocalDate?, imagingMaxAgeDays: Int,
        consentRecorded: Bool, priorAuthorizationRequired: Bool, priorAuthorization: String?
    ) -> [ReadinessItem] {
        var items: [ReadinessItem] = []
        if let latest = latestImaging {
            let limit = latest.adding(days: imagingMaxAgeDays)
            items.append(
                ReadinessItem(
                    code: "imaging_recent", met: plan.procedureDate <= limit,
                    detail: plan.procedureDate <= limit
                        ? "Imaging of \(latest) is recent enough for \(plan.procedureDate)."
                        : "Imaging of \(latest) is older than \(imagingMaxAgeDays) days on \(plan.procedureDate): repeat it."
                ))
        } else {
            items.append(
                ReadinessItem(code: "imaging_recent", met: false, detail: "No imaging is linked to the referral."))
        }
        for lab in plan.labs {
            items.append(
                ReadinessItem(
                    code: "lab_\(lab.name.split(separator: " ").first!.lowercased())", met: lab.outcome == .pass,
                    detail: "\(lab.name) \(lab.value.map { String($0) } ?? "not recorded") (needs \(lab.threshold))."))
        }
        for hold in plan.holds {
            items.append(
                ReadinessItem(
                    code: "anticoagulant_hold", met: hold.stopOn >= today,
                    detail: hold.stopOn >= today
                        ? hold.instruction
                        : "The \(hold.anticoagulant.rawValue) hold had to start on \(hold.stopOn); it can no longer be kept for this date: move the procedure."
                ))
        }
        items.append(
            ReadinessItem(
                code: "consent", met: consentRecorded,
                detail: consentRecorded ? "Consent recorded." : "Consent is not recorded yet."))
        if priorAuthorizationRequired {
            items.append(
                ReadinessItem(
                    code: "prior_authorization", met: priorAuthorization != nil,
                    detail: priorAuthorization.map { "Prior authorization \($0)." }
                        ?? "The payer needs prior authorization; none is recorded."))
        }
        return items
    }
}
