import Foundation

/// What the referrer tells us about the patient beyond the images.
public struct ClinicalFlags: Hashable, Sendable {
    public var neurologicalDeficit = false
    public var cancerHistory = false
    public var longTermSteroids = false
    public var knownOsteoporosis = false
    /// New severe pain (with known osteoporosis this makes the referral urgent).
    public var severePain = false
    public var hospitalised = false

    public init(
        neurologicalDeficit: Bool = false, cancerHistory: Bool = false, longTermSteroids: Bool = false,
        knownOsteoporosis: Bool = false, severePain: Bool = false, hospitalised: Bool = false
    ) {
        self.neurologicalDeficit = neurologicalDeficit
        self.cancerHistory = cancerHistory
        self.longTermSteroids = longTermSteroids
        self.knownOsteoporosis = knownOsteoporosis
        self.severePain = severePain
        self.hospitalised = hospitalised
    }
}

/// How fast a referral must be seen, and on which pathway.
public enum Urgency: String, CaseIterable, Sendable, Hashable, Comparable {
    case routine
    case urgent
    /// Red flags: not a kyphoplasty slot; urgent surgical review the same day.
    case surgicalReview = "surgical_review"

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Urgency, rhs: Urgency) -> Bool { lhs.rank < rhs.rank }
}

/// One reason behind a triage outcome: a stable code and a sentence naming the finding or flag.
public struct TriageReason: Hashable, Sendable {
    public let code: String
    public let detail: String

    public init(code: String, detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// A clinic's triage targets (clinic configuration, not constants).
public struct TriageTargets: Hashable, Sendable {
    public let urgentDueDays: Int
    public let routineDueDays: Int
    /// How long after onset (or imaging) the candidacy window stays open; 84 days = 12 weeks.
    public let candidacyWindowDays: Int

    public init(urgentDueDays: Int = 3, routineDueDays: Int = 14, candidacyWindowDays: Int = 84) {
        self.urgentDueDays = urgentDueDays
        self.routineDueDays = routineDueDays
        self.candidacyWindowDays = candidacyWindowDays
    }

    /// Targets a clinic asks for, checked: urgent within 0-60 days and no later than routine
    /// (0-180), a window of 1-365 days.
    public static func validated(urgentDueDays: Int, routineDueDays: Int, candidacyWindowDays: Int) throws
        -> TriageTargets
    {
        var collector = ViolationCollector()
        if !(0...60).contains(urgentDueDays) { collector.add("/urgentDueDays", "must be from 0 to 60") }
        if !(0...180).contains(routineDueDays) { collector.add("/routineDueDays", "must be from 0 to 180") }
        if urgentDueDays > routineDueDays {
            collector.add("/urgentDueDays", "must not be later than the routine target")
        }
        if !(1...365).contains(candidacyWindowDays) { collector.add("/candidacyWindowDays", "must be from 1 to 365") }
        try collector.throwIfAny()
        return TriageTargets(
            urgentDueDays: urgentDueDays, routineDueDays: routineDueDays, candidacyWindowDays: candidacyWindowDays)
    }
}

/// One study as triage sees it.
public struct TriageStudy: Hashable, Sendable {
    public let accessionNumber: String
    public let modality: Modality
    public let status: ResultStatus
    /// The date the study was performed, in the clinic's zone.
    public let performedOn: LocalDate
    public let findings: [VertebralFinding]

    public init(
        accessionNumber: String, modality: Modality, status: ResultStatus, performedOn: LocalDate,
        findings: [VertebralFinding]
    ) {
        self.accessionNumber = accessionNumber
        self.modality = modality
        self.status = status
        self.performedOn = performedOn
        self.findings = findings
    }
}

/// Triage's answer: urgency with its reasons, when evaluation is due, when the window closes.
public struct TriageOutcome: Hashable, Sendable {
    public let urgency: Urgency
    public let reasons: [TriageReason]
    public let evaluationDueOn: LocalDate
    /// Nil when neither the symptom onset nor an imaging date is known.
    public let windowClosesOn: LocalDate?
}

/// The triage rules of DOMAIN.md, as one pure function.
public enum Triage {
    public static func assess(
        flags: ClinicalFlags, studies: [TriageStudy], symptomOnset: LocalDate?,
        receivedOn: LocalDate, targets: TriageTargets, override: Urgency? = nil
    ) -> TriageOutcome {
        var surgical: [TriageReason] = []
        var urgent: [TriageReason] = []
        // A cancelled report no longer says anything about the patient.
        let live = studies.filter { $0.status != .cancelled }
        if flags.neurologicalDeficit {
            surgical.append(
                TriageReason(code: "neurological_deficit", detail: "Neurological deficit reported by the referrer."))
        }
        for study in live {
            for finding in study.findings.sorted(by: { $0.level < $1.level }) {
                let at = "\(finding.level) on \(study.modality.rawValue) (accession \(study.accessionNumber))"
                if finding.retropulsion {
                    surgical.append(
                        TriageReason(code: "retropulsion", detail: "Retropulsion / canal compromise at \(at)."))
                }
                if finding.suspectedInfection {
                    surgical.append(TriageReason(code: "suspected_infection", detail: "Suspected infection at \(at)."))
                }
                if finding.suspectedMalignancy {
                    urgent.append(
                        TriageReason(
                            code: "suspected_malignancy", detail: "Suspected malignancy (pathologic fracture) at \(at)."
                        ))
                }
            }
        }
        if flags.cancerHistory {
            urgent.append(TriageReason(code: "cancer_history", detail: "Known cancer with new spinal pain."))
        }
        if flags.longTermSteroids {
            urgent.append(TriageReason(code: "long_term_steroids", detail: "Long-term steroid use."))
        }
        if flags.knownOsteoporosis && flags.severePain {
            urgent.append(
                TriageReason(code: "osteoporosis_severe_pain", detail: "Known osteoporosis with new severe pain."))
        }

        let assessed: Urgency
        var reasons: [TriageReason]
        if !surgical.isEmpty {
            assessed = .surgicalReview
            reasons = surgical + urgent
        } else if !urgent.isEmpty {
            assessed = .urgent
            reasons = urgent
        } else {
            assessed = .routine
            reasons = [TriageReason(code: "routine", detail: "No red flag and no urgent finding or history.")]
        }
        let urgency = override ?? assessed
        if let override, override != assessed {
            reasons.append(
                TriageReason(
                    code: "override",
                    detail:
                        "Urgency set to \(override.rawValue) by a clinician or scheduler (assessed \(assessed.rawValue))."
                ))
        }
        let due: LocalDate =
            switch urgency {
            case .surgicalReview: receivedOn
            case .urgent: receivedOn.adding(days: targets.urgentDueDays)
            case .routine: receivedOn.adding(days: targets.routineDueDays)
            }
        // Onset when known, else the earliest imaging date: augmentation only helps an unhealed fracture.
        let start = symptomOnset ?? live.map(\.performedOn).min()
        return TriageOutcome(
            urgency: urgency, reasons: reasons, evaluationDueOn: due,
            windowClosesOn: start?.adding(days: targets.candidacyWindowDays))
    }
}

/// Everything triage needs about one referral, as stored.
public struct TriageInput: Hashable, Sendable {
    public var flags: ClinicalFlags
    public var studies: [TriageStudy]
    public var symptomOnset: LocalDate?
    public var receivedOn: LocalDate
    public var targets: TriageTargets
    public var override: Urgency?

    public init(
        flags: ClinicalFlags, studies: [TriageStudy], symptomOnset: LocalDate?, receivedOn: LocalDate,
        targets: TriageTargets, override: Urgency?
    ) {
        self.flags = flags
        self.studies = studies
        self.symptomOnset = symptomOnset
        self.receivedOn = receivedOn
        self.targets = targets
        self.override = override
    }
}

extension Triage {
    public static func assess(_ input: TriageInput) -> TriageOutcome {
        assess(
            flags: input.flags, studies: input.studies, symptomOnset: input.symptomOnset, receivedOn: input.receivedOn,
            targets: input.targets, override: input.override)
    }
}
