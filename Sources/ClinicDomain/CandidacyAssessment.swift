import Foundation

/// One rule's answer: pass, fail, or not known (an input is missing), with why.
public struct RuleVerdict: Hashable, Sendable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case pass, fail
        case notKnown = "not_known"
    }

    public let rule: String
    public let outcome: Outcome
    /// The value that decided it, as a clinician would read it ("NRS 6", "5 weeks").
    public let value: String
    public let explanation: String

    public init(rule: String, outcome: Outcome, value: String, explanation: String) {
        self.rule = rule
        self.outcome = outcome
        self.value = value
        self.explanation = explanation
    }
}

/// What the rule set recommends; the clinician decides.
public enum CandidacyRecommendation: String, Sendable, Codable, Hashable {
    case candidate
    case notCandidate = "not_candidate"
    case needsInformation = "needs_information"
}

/// The evidence for one proposed level on the referral's imaging.
public struct LevelEvidence: Hashable, Sendable {
    public let level: VertebralLevel
    public let heightLossPercent: Double
    public let acuity: Acuity

    public init(level: VertebralLevel, heightLossPercent: Double, acuity: Acuity) {
        self.level = level
        self.heightLossPercent = heightLossPercent
        self.acuity = acuity
    }

    /// The best evidence per level across studies: recent if any study shows it, the largest height loss.
    public static func from(_ studies: [(modality: Modality, findings: [VertebralFinding])]) -> [VertebralLevel:
        LevelEvidence]
    {
        var evidence: [VertebralLevel: LevelEvidence] = [:]
        for study in studies {
            for finding in study.findings {
                let acuity = finding.acuity(on: study.modality)
                let previous = evidence[finding.level]
                let best: Acuity =
                    [previous?.acuity, acuity].contains(.recent)
                    ? .recent
                    : ([previous?.acuity, acuity].contains(.notRecent) ? .notRecent : .unknown)
                evidence[finding.level] = LevelEvidence(
                    level: finding.level,
                    heightLossPercent: max(previous?.heightLossPercent ?? 0, finding.heightLossPercent),
                    acuity: best)
            }
        }
        return evidence
    }
}

/// The rule set applied to one evaluation: every rule's verdict, warnings, and the recommendation.
public struct CandidacyAssessment: Hashable, Sendable, Codable {
    public let verdicts: [RuleVerdict]
    public let warnings: [String]
    public let recommendation: CandidacyRecommendation

    /// Applies `parameters` to what the clinician recorded and what the imaging shows.
    /// - Parameter evidence: per proposed level; a level without evidence is refused before this.
    public static func assess(
        _ findings: EvaluationFindings, evidence: [VertebralLevel: LevelEvidence],
        parameters p: CandidacyParameters
    ) -> CandidacyAssessment {
        var verdicts: [RuleVerdict] = []
        var warnings: [String] = []
        let levels = findings.levels.sorted()
        let levelList = levels.map(\.description).joined(separator: ", ")

        // 1. Fracture confirmed on imaging and recent.
        let notRecent = levels.filter { evidence[$0]?.acuity == .notRecent }
        let unknownAcuity = levels.filter { evidence[$0]?.acuity != .recent && evidence[$0]?.acuity != .notRecent }
        if !notRecent.isEmpty {
            verdicts.append(
                RuleVerdict(
                    rule: "fracture_recent", outcome: .fail,
                    value: notRecent.map(\.description).joined(separator: ", "),
                    explanation:
                        "No marrow edema or uptake at \(notRecent.map(\.description).joined(separator: ", ")): the fracture is not shown to be recent, and augmentation only helps an unhealed fracture."
                ))
        } else if !unknownAcuity.isEmpty {
            verdicts.append(
                RuleVerdict(
                    rule: "fracture_recent", outcome: .notKnown,
                    value: unknownAcuity.map(\.description).joined(separator: ", "),
                    explanation:
                        "Recency of \(unknownAcuity.map(\.description).joined(separator: ", ")) is not shown: a deformity on X-ray or CT alone does not date a fracture; an MRI with STIR or a bone scan would."
                ))
        } else {
            verdicts.append(
                RuleVerdict(
                    rule: "fracture_recent", outcome: .pass, value: levelList,
                    explanation: "Edema or uptake shows a recent fracture at \(levelList)."))
        }

        // 2. Levels within the payer's treatable range.
        let high = (try? VertebralLevel(p.highestLevel)) ?? (try! VertebralLevel("T1"))
        let low = (try? VertebralLevel(p.lowestLevel)) ?? (try! VertebralLevel("L5"))
        let outside = levels.filter { $0 < high || $0 > low }
        verdicts.append(
            outside.isEmpty
                ? RuleVerdict(
                    rule: "level_in_range", outcome: .pass, value: levelList,
                    explanation: "\(levelList) within \(high)-\(low).")
                : RuleVerdict(
                    rule: "level_in_range", outcome: .fail, value: outside.map(\.description).joined(separator: ", "),
                    explanation:
                        "\(outside.map(\.description).joined(separator: ", ")) outside the covered levels \(high)-\(low)."
                ))

        // 3. Pain from the target fracture.
        switch findings.painFromTargetFracture {
        case true?:
            verdicts.append(
                RuleVerdict(
                    rule: "pain_from_fracture", outcome: .pass, value: "yes",
                    explanation: "Pain is attributed to the target fracture."))
        case false?:
            verdicts.append(
                RuleVerdict(
                    rule: "pain_from_fracture", outcome: .fail, value: "no",
                    explanation: "Pain is not attributed to the target fracture."))
        case nil:
            verdicts.append(
                RuleVerdict(
                    rule: "pain_from_fracture", outcome: .notKnown, value: "not recorded",
                    explanation: "Whether the pain comes from the target fracture was not recorded."))
        }

        // 4. Pain severity: hospitalised NRS >= 8; outpatient NRS >= minimum and worsening or enough stable criteria.
        verdicts.append(painVerdict(findings, evidence: levels.compactMap { evidence[$0] }, parameters: p))

        // 5. Conservative care tried for long enough.
        if let care = findings.conservativeCare {
            if !care.anyTried {
                verdicts.append(
                    RuleVerdict(
                        rule: "conservative_care", outcome: .fail, value: "none tried",
                        explanation: "No medication, rest, bracing or physical therapy was tried."))
            } else if let weeks = care.weeks {
                verdicts.append(
                    RuleVerdict(
                        rule: "conservative_care", outcome: weeks >= p.conservativeCareWeeks ? .pass : .fail,
                        value: "\(weeks) weeks",
                        explanation:
                            "\(weeks) weeks of conservative care; this policy needs \(p.conservativeCareWeeks)."))
            } else {
                verdicts.append(
                    RuleVerdict(
                        rule: "conservative_care", outcome: .notKnown, value: "weeks not recorded",
                        explanation:
                            "Conservative care was tried but for how many weeks was not recorded (policy: \(p.conservativeCareWeeks))."
                    ))
            }
        } else {
            verdicts.append(
                RuleVerdict(
                    rule: "conservative_care", outcome: .notKnown, value: "not recorded",
                    explanation: "Conservative care was not recorded."))
        }

        // 6. Bone health follow-through documented.
        switch (findings.boneDensityReferral, findings.osteoporosisEducation) {
        case (true?, true?):
            verdicts.append(
                RuleVerdict(
                    rule: "bone_health", outcome: .pass, value: "referral and education",
                    explanation: "Bone-density referral and osteoporosis education are documented."))
        case (false?, _), (_, false?):
            verdicts.append(
                RuleVerdict(
                    rule: "bone_health", outcome: .fail, value: "missing",
                    explanation: "A bone-density referral and osteoporosis education must both be documented."))
        default:
            verdicts.append(
                RuleVerdict(
                    rule: "bone_health", outcome: .notKnown, value: "not recorded",
                    explanation: "Bone-density referral or osteoporosis education was not recorded."))
        }

        // 7. Levels per session.
        let exempt = p.myelomaExempt && findings.myeloma == true
        if levels.count <= p.maximumLevelsPerSession || exempt {
            verdicts.append(
                RuleVerdict(
                    rule: "levels_per_session", outcome: .pass, value: "\(levels.count)",
                    explanation: exempt && levels.count > p.maximumLevelsPerSession
                        ? "\(levels.count) levels; myeloma is exempt from the limit of \(p.maximumLevelsPerSession)."
                        : "\(levels.count) level(s) in one session; this policy allows \(p.maximumLevelsPerSession)."))
        } else {
            verdicts.append(
                RuleVerdict(
                    rule: "levels_per_session", outcome: .fail, value: "\(levels.count)",
                    explanation:
                        "\(levels.count) levels in one session; this policy allows \(p.maximumLevelsPerSession)."))
        }

        // 8-9. Contraindications, absolute then relative.
        let c = findings.contraindications
        var absolute: [(String, Bool?)] = [
            ("back pain not mainly from the fracture", c.backPainNotFromFracture),
            ("osteomyelitis, discitis or active infection", c.activeInfection),
        ]
        var relative: [(String, Bool?)] = [
            ("cement or contrast allergy", c.cementOrContrastAllergy),
            ("uncorrected coagulopathy", c.uncorrectedCoagulopathy),
            ("spinal instability", c.spinalInstability), ("myelopathy", c.myelopathy),
            ("neurological deficit", c.neurologicalDeficit), ("nerve impingement", c.nerveImpingement),
            ("retropulsion", c.retropulsion),
        ]
        if p.pregnancyIsAbsolute {
            absolute.append(("pregnancy", c.pregnancy))
        } else {
            relative.append(("pregnancy", c.pregnancy))
        }
        verdicts.append(contraindicationVerdict("no_absolute_contraindication", "absolute", absolute))
        verdicts.append(contraindicationVerdict("no_relative_contraindication", "relative", relative))

        // Severe collapse is a technical warning for the clinician, not a failed rule.
        for level in levels {
            if let loss = evidence[level]?.heightLossPercent, loss > p.severeCollapseWarningPercent {
                warnings.append(
                    "\(level): \(formatted(loss))% height loss (near vertebra plana) makes balloon kyphoplasty technically hard."
                )
            }
        }

        let recommendation: CandidacyRecommendation =
            verdicts.contains { $0.outcome == .fail }
            ? .notCandidate
            : verdicts.contains { $0.outcome == .notKnown } ? .needsInformation : .candidate
        return CandidacyAssessment(verdicts: verdicts, warnings: warnings, recommendation: recommendation)
    }

    private static func painVerdict(
        _ f: EvaluationFindings, evidence: [LevelEvidence], parameters p: CandidacyParameters
    ) -> RuleVerdict {
        guard let nrs = f.painNRS else {
            return RuleVerdict(
                rule: "pain_severity", outcome: .notKnown, value: "NRS not recorded",
                explanation: "The pain score was not recorded.")
        }
        guard let hospitalised = f.hospitalised else {
            return RuleVerdict(
                rule: "pain_severity", outcome: .notKnown, value: "NRS \(nrs)",
                explanation: "Whether the patient is hospitalised was not recorded; the pain threshold depends on it.")
        }
        if hospitalised {
            return RuleVerdict(
                rule: "pain_severity", outcome: nrs >= p.minimumPainHospitalised ? .pass : .fail,
                value: "NRS \(nrs), hospitalised",
                explanation: "Hospitalised with NRS \(nrs); this policy needs \(p.minimumPainHospitalised) or more.")
        }
        guard nrs >= p.minimumPainOutpatient else {
            return RuleVerdict(
                rule: "pain_severity", outcome: .fail, value: "NRS \(nrs)",
                explanation:
                    "Outpatient NRS \(nrs) despite non-surgical care; this policy needs \(p.minimumPainOutpatient) or more."
            )
        }
        if f.painWorsening == true {
            return RuleVerdict(
                rule: "pain_severity", outcome: .pass, value: "NRS \(nrs), worsening",
                explanation: "Outpatient NRS \(nrs) and worsening.")
        }
        let heightLoss: Bool? = evidence.isEmpty ? nil : evidence.contains { $0.heightLossPercent > 25 }
        let criteria: [(String, Bool?)] = [
            ("further height loss", f.furtherHeightLoss), (">25% height loss", heightLoss),
            ("kyphotic deformity", f.kyphoticDeformity),
            ("Roland-Morris > 17", f.rolandMorris.map { $0 > 17 }),
        ]
        let met = criteria.filter { $0.1 == true }.map(\.0)
        let unknown = criteria.filter { $0.1 == nil }.count
        let value = "NRS \(nrs), stable, " + (met.isEmpty ? "no criteria" : met.joined(separator: " + "))
        if met.count >= p.stablePainCriteriaRequired {
            return RuleVerdict(
                rule: "pain_severity", outcome: .pass, value: value,
                explanation:
                    "Outpatient NRS \(nrs), stable pain with \(met.count) of the criteria (\(met.joined(separator: ", "))); \(p.stablePainCriteriaRequired) needed."
            )
        }
        if f.painWorsening == nil || met.count + unknown >= p.stablePainCriteriaRequired {
            return RuleVerdict(
                rule: "pain_severity", outcome: .notKnown, value: value,
                explanation:
                    "Outpatient NRS \(nrs): whether pain is worsening, or enough of further height loss, >25% height loss, kyphosis and Roland-Morris > 17, is not recorded."
            )
        }
        return RuleVerdict(
            rule: "pain_severity", outcome: .fail, value: value,
            explanation:
                "Outpatient NRS \(nrs), stable pain with \(met.count) of the criteria; this policy needs \(p.stablePainCriteriaRequired)."
        )
    }

    private static func contraindicationVerdict(_ rule: String, _ kind: String, _ items: [(String, Bool?)])
        -> RuleVerdict
    {
        let present = items.filter { $0.1 == true }.map(\.0)
        let unknown = items.filter { $0.1 == nil }.map(\.0)
        if !present.isEmpty {
            return RuleVerdict(
                rule: rule, outcome: .fail, value: present.joined(separator: ", "),
                explanation: "\(kind.capitalized) contraindication: \(present.joined(separator: ", ")).")
        }
        if !unknown.isEmpty {
            return RuleVerdict(
                rule: rule, outcome: .notKnown, value: unknown.joined(separator: ", "),
                explanation: "Not assessed: \(unknown.joined(separator: ", ")).")
        }
        return RuleVerdict(rule: rule, outcome: .pass, value: "none", explanation: "No \(kind) contraindication found.")
    }

    private static func formatted(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
    }
}
