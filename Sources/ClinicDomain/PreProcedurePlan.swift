import Foundation

/// What has to happen before a candidate's procedure on a given date: duration, anesthesia,
/// lab checks against the policy's thresholds, and blood-thinner holds counted back from the date.
public struct PreProcedurePlan: Hashable, Sendable {
    public struct LabCheck: Hashable, Sendable {
        public let name: String
        public let value: Double?
        /// e.g. "<= 1.5" or ">= 50".
        public let threshold: String
        public let outcome: RuleVerdict.Outcome
    }

    public struct Hold: Hashable, Sendable {
        public let anticoagulant: Anticoagulant
        public let daysBefore: Int
        /// The last day the drug may be taken is the day before this one.
        public let stopOn: LocalDate
        public let instruction: String
    }

    public let procedureDate: LocalDate
    public let levels: [VertebralLevel]
    public let estimatedMinutes: Int
    public let anesthesia: AnesthesiaPlan
    public let needsAnesthesiaProvider: Bool
    public let labs: [LabCheck]
    public let holds: [Hold]
    public let instructions: [String]

    public static func make(
        _ findings: EvaluationFindings, parameters: CandidacyParameters, minutesPerLevel: Int,
        procedureDate: LocalDate
    ) -> PreProcedurePlan {
        let levels = findings.levels.sorted()
        func check(_ name: String, _ value: Double?, _ threshold: String, _ passes: (Double) -> Bool) -> LabCheck {
            LabCheck(
                name: name, value: value, threshold: threshold,
                outcome: value.map { passes($0) ? .pass : .fail } ?? .notKnown)
        }
        let labs = [
            check("INR", findings.inr, "<= \(parameters.maximumINR)") { $0 <= parameters.maximumINR },
            check("platelets (x10^9/L)", findings.platelets, ">= \(Int(parameters.minimumPlatelets))") {
                $0 >= parameters.minimumPlatelets
            },
        ]
        var holds: [Hold] = []
        let drug = findings.anticoagulant
        if drug != .none {
            let stopOn = procedureDate.adding(days: -drug.holdDays)
            let text: String =
                switch drug {
                case .warfarin:
                    "Stop warfarin from \(stopOn) (last dose \(stopOn.adding(days: -1))); check INR on \(procedureDate.adding(days: -1))."
                case .doac: "Stop the DOAC from \(stopOn) (last dose \(stopOn.adding(days: -1)))."
                case .clopidogrel: "Stop clopidogrel from \(stopOn) (last dose \(stopOn.adding(days: -1)))."
                case .lmwh:
                    "Last therapeutic LMWH dose at least 24 hours before the procedure (no dose on \(procedureDate))."
                case .none: ""
                }
            holds.append(Hold(anticoagulant: drug, daysBefore: drug.holdDays, stopOn: stopOn, instruction: text))
        }
        return PreProcedurePlan(
            procedureDate: procedureDate, levels: levels, estimatedMinutes: levels.count * minutesPerLevel,
            anesthesia: findings.anesthesia, needsAnesthesiaProvider: findings.anesthesia == .general, labs: labs,
            holds: holds,
            instructions: [
                "Nothing to eat or drink from midnight before the procedure (sedation).",
                "A driver takes the patient home the same day; no driving for about 2 days.",
            ])
    }
}
