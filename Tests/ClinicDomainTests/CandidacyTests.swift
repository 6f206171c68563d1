import ClinicDomain
import Foundation
import Testing

/// Candidacy rule sets applied to clinical vignettes. The base vignette is the issue's: an
/// outpatient with NRS 6 stable pain, an L1 wedge fracture with 30% height loss and STIR edema,
/// kyphosis, 5 weeks of bracing, bone health documented, no contraindication.
@Suite("Candidacy rules")
struct CandidacyTests {
    static let l1 = try! VertebralLevel("L1")

    static func evidence(_ levels: [String: (Double, Acuity)] = ["L1": (30, .recent)]) -> [VertebralLevel:
        LevelEvidence]
    {
        Dictionary(
            uniqueKeysWithValues: levels.map { code, value in
                let level = try! VertebralLevel(code)
                return (level, LevelEvidence(level: level, heightLossPercent: value.0, acuity: value.1))
            })
    }

    static func outpatient(_ change: (inout EvaluationFindings) -> Void = { _ in }) -> EvaluationFindings {
        var findings = EvaluationFindings(
            painNRS: 6, hospitalised: false, painWorsening: false, furtherHeightLoss: false, kyphoticDeformity: true,
            rolandMorris: 12, painFromTargetFracture: true, conservativeCare: ConservativeCare(bracing: true, weeks: 5),
            contraindications: .noneFound, boneDensityReferral: true, osteoporosisEducation: true, myeloma: false,
            levels: [l1])
        change(&findings)
        return findings
    }

    static func verdict(
        _ rule: String, _ findings: EvaluationFindings, evidence: [VertebralLevel: LevelEvidence] = evidence(),
        parameters: CandidacyParameters = .medicareDefault
    ) -> RuleVerdict.Outcome? {
        CandidacyAssessment.assess(findings, evidence: evidence, parameters: parameters).verdicts.first {
            $0.rule == rule
        }?.outcome
    }

    @Test("the base vignette is a candidate under the default set, and not under the commercial one")
    func baseVignette() {
        let findings = Self.outpatient()
        let medicare = CandidacyAssessment.assess(findings, evidence: Self.evidence(), parameters: .medicareDefault)
        #expect(medicare.recommendation == .candidate)
        #expect(medicare.verdicts.allSatisfy { $0.outcome == .pass })
        let commercial = CandidacyAssessment.assess(findings, evidence: Self.evidence(), parameters: .commercialExample)
        #expect(commercial.recommendation == .notCandidate)
        #expect(
            Set(commercial.verdicts.filter { $0.outcome == .fail }.map(\.rule)) == [
                "pain_severity", "conservative_care",
            ])
    }

    @Test("every verdict carries the deciding value and a sentence")
    func verdictsExplain() {
        let assessment = CandidacyAssessment.assess(
            Self.outpatient(), evidence: Self.evidence(), parameters: .commercialExample)
        let care = assessment.verdicts.first { $0.rule == "conservative_care" }
        #expect(care?.value == "5 weeks")
        #expect(care?.explanation.contains("needs 6") == true)
        #expect(assessment.verdicts.allSatisfy { !$0.value.isEmpty && $0.explanation.hasSuffix(".") })
    }

    struct Vignette: CustomTestStringConvertible, Sendable {
        let name: String
        let rule: String
        let expected: RuleVerdict.Outcome
        let change: @Sendable (inout EvaluationFindings) -> Void
        var evidence: [String: (Double, Acuity)] = ["L1": (30, .recent)]
        var testDescription: String { name }
    }

    static let vignettes: [Vignette] = [
        Vignette(name: "hospitalised with NRS 8 passes", rule: "pain_severity", expected: .pass) {
            $0.hospitalised = true
            $0.painNRS = 8
        },
        Vignette(name: "hospitalised with NRS 7 fails", rule: "pain_severity", expected: .fail) {
            $0.hospitalised = true
            $0.painNRS = 7
        },
        Vignette(name: "outpatient NRS 4 fails", rule: "pain_severity", expected: .fail) { $0.painNRS = 4 },
        Vignette(name: "outpatient NRS 5 and worsening passes", rule: "pain_severity", expected: .pass) {
            $0.painNRS = 5
            $0.painWorsening = true
            $0.kyphoticDeformity = false
        },
        Vignette(
            name: "stable pain with one criterion (22% loss, no kyphosis) fails", rule: "pain_severity",
            expected: .fail,
            change: { $0.kyphoticDeformity = false }, evidence: ["L1": (22, .recent)]),
        Vignette(
            name: "stable pain with further height loss and Roland-Morris 18 passes", rule: "pain_severity",
            expected: .pass,
            change: {
                $0.kyphoticDeformity = false
                $0.furtherHeightLoss = true
                $0.rolandMorris = 18
            }, evidence: ["L1": (22, .recent)]),
        Vignette(name: "pain score not recorded is not known", rule: "pain_severity", expected: .notKnown) {
            $0.painNRS = nil
        },
        Vignette(
            name: "stable pain with one criterion and two unrecorded is not known", rule: "pain_severity",
            expected: .notKnown,
            change: {
                $0.kyphoticDeformity = nil
                $0.rolandMorris = nil
            }, evidence: ["L1": (22, .recent)]),
        Vignette(
            name: "no edema on MRI fails recency", rule: "fracture_recent", expected: .fail,
            change: { _ in }, evidence: ["L1": (30, .notRecent)]),
        Vignette(
            name: "X-ray only: recency not known", rule: "fracture_recent", expected: .notKnown,
            change: { _ in }, evidence: ["L1": (30, .unknown)]),
        Vignette(name: "pain not from the target fracture fails", rule: "pain_from_fracture", expected: .fail) {
            $0.painFromTargetFracture = false
        },
        Vignette(name: "pain source not recorded is not known", rule: "pain_from_fracture", expected: .notKnown) {
            $0.painFromTargetFracture = nil
        },
        Vignette(name: "no conservative care tried fails", rule: "conservative_care", expected: .fail) {
            $0.conservativeCare = ConservativeCare(weeks: 8)
        },
        Vignette(
            name: "3 weeks of physical therapy fails the 4-week default", rule: "conservative_care", expected: .fail
        ) { $0.conservativeCare = ConservativeCare(physicalTherapy: true, weeks: 3) },
        Vignette(
            name: "conservative care weeks not recorded is not known", rule: "conservative_care", expected: .notKnown
        ) { $0.conservativeCare = ConservativeCare(medication: true) },
        Vignette(name: "no bone-density referral fails", rule: "bone_health", expected: .fail) {
            $0.boneDensityReferral = false
        },
        Vignette(name: "osteoporosis education not recorded is not known", rule: "bone_health", expected: .notKnown) {
            $0.osteoporosisEducation = nil
        },
        Vignette(
            name: "four levels fail the default limit of three", rule: "levels_per_session", expected: .fail,
            change: { $0.levels = ["T11", "T12", "L1", "L2"].map { try! VertebralLevel($0) } },
            evidence: ["T11": (30, .recent), "T12": (30, .recent), "L1": (30, .recent), "L2": (30, .recent)]),
        Vignette(
            name: "four levels in myeloma pass (exempt)", rule: "levels_per_session", expected: .pass,
            change: {
                $0.myeloma = true
                $0.levels = ["T11", "T12", "L1", "L2"].map { try! VertebralLevel($0) }
            },
            evidence: ["T11": (30, .recent), "T12": (30, .recent), "L1": (30, .recent), "L2": (30, .recent)]),
        Vignette(
            name: "C7 is outside T1-L5", rule: "level_in_range", expected: .fail,
            change: { $0.levels = [try! VertebralLevel("C7")] }, evidence: ["C7": (30, .recent)]),
        Vignette(
            name: "back pain not mainly from the fracture is an absolute contraindication",
            rule: "no_absolute_contraindication", expected: .fail
        ) { $0.contraindications.backPainNotFromFracture = true },
        Vignette(
            name: "active infection is an absolute contraindication", rule: "no_absolute_contraindication",
            expected: .fail
        ) { $0.contraindications.activeInfection = true },
        Vignette(
            name: "pregnancy is an absolute contraindication by default", rule: "no_absolute_contraindication",
            expected: .fail
        ) { $0.contraindications.pregnancy = true },
        Vignette(
            name: "cement allergy is a relative contraindication", rule: "no_relative_contraindication", expected: .fail
        ) { $0.contraindications.cementOrContrastAllergy = true },
        Vignette(
            name: "uncorrected coagulopathy is a relative contraindication", rule: "no_relative_contraindication",
            expected: .fail
        ) { $0.contraindications.uncorrectedCoagulopathy = true },
        Vignette(
            name: "spinal instability is a relative contraindication", rule: "no_relative_contraindication",
            expected: .fail
        ) { $0.contraindications.spinalInstability = true },
        Vignette(
            name: "myelopathy is a relative contraindication", rule: "no_relative_contraindication", expected: .fail
        ) { $0.contraindications.myelopathy = true },
        Vignette(
            name: "neurological deficit is a relative contraindication", rule: "no_relative_contraindication",
            expected: .fail
        ) { $0.contraindications.neurologicalDeficit = true },
        Vignette(
            name: "nerve impingement is a relative contraindication", rule: "no_relative_contraindication",
            expected: .fail
        ) { $0.contraindications.nerveImpingement = true },
        Vignette(
            name: "retropulsion is a relative contraindication", rule: "no_relative_contraindication", expected: .fail
        ) { $0.contraindications.retropulsion = true },
        Vignette(
            name: "an unassessed contraindication is not known, never a pass", rule: "no_relative_contraindication",
            expected: .notKnown
        ) { $0.contraindications.myelopathy = nil },
    ]

    @Test("vignettes, one per rule and per contraindication", arguments: vignettes)
    func vignette(_ example: Vignette) {
        let findings = Self.outpatient(example.change)
        #expect(Self.verdict(example.rule, findings, evidence: Self.evidence(example.evidence)) == example.expected)
    }

    @Test("T3 is covered by the default set but not by a T5-L5 payer")
    func payerLevelRange() {
        let findings = Self.outpatient { $0.levels = [try! VertebralLevel("T3")] }
        let evidence = Self.evidence(["T3": (30, .recent)])
        #expect(Self.verdict("level_in_range", findings, evidence: evidence, parameters: .medicareDefault) == .pass)
        #expect(Self.verdict("level_in_range", findings, evidence: evidence, parameters: .commercialExample) == .fail)
    }

    @Test("three levels fail a payer that allows two per session")
    func commercialLevelLimit() {
        let findings = Self.outpatient { $0.levels = ["T12", "L1", "L2"].map { try! VertebralLevel($0) } }
        let evidence = Self.evidence(["T12": (30, .recent), "L1": (30, .recent), "L2": (30, .recent)])
        #expect(
            Self.verdict("levels_per_session", findings, evidence: evidence, parameters: .commercialExample) == .fail)
    }

    @Test("unknown inputs make the recommendation 'needs information', never 'candidate'")
    func unknownsNeedInformation() {
        let assessment = CandidacyAssessment.assess(
            Self.outpatient { $0.osteoporosisEducation = nil }, evidence: Self.evidence(),
            parameters: .medicareDefault)
        #expect(assessment.recommendation == .needsInformation)
    }

    @Test("a failed rule outweighs unknowns: not a candidate")
    func failOutweighsUnknown() {
        let assessment = CandidacyAssessment.assess(
            Self.outpatient {
                $0.osteoporosisEducation = nil
                $0.painNRS = 2
            },
            evidence: Self.evidence(), parameters: .medicareDefault)
        #expect(assessment.recommendation == .notCandidate)
    }

    @Test("severe collapse (75% height loss) is a warning naming the level, not a failed rule")
    func severeCollapseWarns() {
        let assessment = CandidacyAssessment.assess(
            Self.outpatient(), evidence: Self.evidence(["L1": (75, .recent)]),
            parameters: .medicareDefault)
        #expect(assessment.recommendation == .candidate)
        #expect(assessment.warnings.count == 1 && assessment.warnings[0].hasPrefix("L1: 75%"))
    }

    @Test("the best evidence per level across studies: edema on MRI dates a fracture an X-ray could not")
    func evidenceAcrossStudies() throws {
        let level = try VertebralLevel("L1")
        let xray = try VertebralFinding(
            level: level, heightLossPercent: 35, morphology: .wedge, edema: .unknown,
            retropulsion: false, suspectedMalignancy: false, suspectedInfection: false)
        let mri = try VertebralFinding(
            level: level, heightLossPercent: 30, morphology: .wedge, edema: .present,
            retropulsion: false, suspectedMalignancy: false, suspectedInfection: false)
        let evidence = LevelEvidence.from([(.xRay, [xray]), (.mri, [mri])])
        #expect(evidence[level]?.acuity == .recent)
        #expect(evidence[level]?.heightLossPercent == 35)
    }

    @Test(
        "rule set parameters are checked",
        arguments: [
            CandidacyParameters(highestLevel: "L5", lowestLevel: "T1"),
            CandidacyParameters(highestLevel: "X9"),
            CandidacyParameters(minimumPainOutpatient: 11),
            CandidacyParameters(maximumLevelsPerSession: 0),
            CandidacyParameters(maximumINR: 0),
        ])
    func parameterValidation(parameters: CandidacyParameters) {
        #expect(throws: ValidationError.self) { try parameters.validate() }
    }
}

@Suite("Pre-procedure plan")
struct PreProcedurePlanTests {
    static func plan(
        _ drug: Anticoagulant, on date: String, inr: Double? = 1.1, platelets: Double? = 210,
        levels: [String] = ["L1"], anesthesia: AnesthesiaPlan = .localWithSedation
    ) -> PreProcedurePlan {
        let findings = EvaluationFindings(
            levels: levels.map { try! VertebralLevel($0) }, anesthesia: anesthesia, anticoagulant: drug,
            inr: inr, platelets: platelets)
        return PreProcedurePlan.make(
            findings, parameters: .medicareDefault, minutesPerLevel: 60, procedureDate: try! LocalDate(iso8601: date))
    }

    @Test("warfarin stops 5 days before, across a month end, with an INR check the day before")
    func warfarinAcrossMonthEnd() {
        let hold = Self.plan(.warfarin, on: "2026-12-03").holds.first
        #expect(hold?.stopOn.description == "2026-11-28")
        #expect(hold?.instruction.contains("check INR on 2026-12-02") == true)
    }

    @Test("clopidogrel stops 7 days before, across a year end")
    func clopidogrelAcrossYearEnd() {
        #expect(Self.plan(.clopidogrel, on: "2027-01-04").holds.first?.stopOn.description == "2026-12-28")
    }

    @Test("a DOAC stops 3 days before, across a leap day")
    func doacAcrossLeapDay() {
        #expect(Self.plan(.doac, on: "2028-03-02").holds.first?.stopOn.description == "2028-02-28")
    }

    @Test("therapeutic LMWH: last dose at least 24 hours before")
    func lmwh() {
        #expect(Self.plan(.lmwh, on: "2026-12-01").holds.first?.stopOn.description == "2026-11-30")
    }

    @Test("another date moves every hold date with it")
    func rescheduleMovesHolds() {
        #expect(Self.plan(.warfarin, on: "2026-12-10").holds.first?.stopOn.description == "2026-12-05")
    }

    @Test("no anticoagulant, no hold")
    func noHold() {
        #expect(Self.plan(.none, on: "2026-12-03").holds.isEmpty)
    }

    @Test("duration is levels x minutes per level; general anesthesia needs a provider")
    func durationAndAnesthesia() {
        let plan = Self.plan(.none, on: "2026-12-03", levels: ["T12", "L1"], anesthesia: .general)
        #expect(plan.estimatedMinutes == 120)
        #expect(plan.needsAnesthesiaProvider)
    }

    @Test("labs pass, fail or are not known against the policy's thresholds")
    func labs() {
        let failing = Self.plan(.none, on: "2026-12-03", inr: 1.6, platelets: 45).labs
        #expect(failing.map(\.outcome) == [.fail, .fail])
        let missing = Self.plan(.none, on: "2026-12-03", inr: nil, platelets: nil).labs
        #expect(missing.map(\.outcome) == [.notKnown, .notKnown])
        #expect(Self.plan(.none, on: "2026-12-03").labs.map(\.outcome) == [.pass, .pass])
    }
}

@Suite("Procedure readiness")
struct ProcedureReadinessTests {
    @Test("a warfarin hold that should already have started is unmet; imaging older than the limit is unmet")
    func unreachableHoldAndOldImaging() throws {
        let findings = EvaluationFindings(
            levels: [try VertebralLevel("L1")], anticoagulant: .warfarin, inr: 1.1, platelets: 200)
        let plan = PreProcedurePlan.make(
            findings, parameters: .medicareDefault, minutesPerLevel: 60,
            procedureDate: try LocalDate(iso8601: "2026-12-03"))
        let items = ProcedureReadiness.procedure(
            plan: plan, today: try LocalDate(iso8601: "2026-12-01"),
            latestImaging: try LocalDate(iso8601: "2026-08-01"), imagingMaxAgeDays: 84,
            consentRecorded: true, priorAuthorizationRequired: false, priorAuthorization: nil)
        #expect(items.filter { !$0.met }.map(\.code) == ["imaging_recent", "anticoagulant_hold"])
    }

    @Test("everything in place: every item met")
    func allMet() throws {
        let findings = EvaluationFindings(
            levels: [try VertebralLevel("L1")], anticoagulant: .doac, inr: 1.1, platelets: 200)
        let plan = PreProcedurePlan.make(
            findings, parameters: .medicareDefault, minutesPerLevel: 60,
            procedureDate: try LocalDate(iso8601: "2026-12-10"))
        let items = ProcedureReadiness.procedure(
            plan: plan, today: try LocalDate(iso8601: "2026-12-01"),
            latestImaging: try LocalDate(iso8601: "2026-11-20"), imagingMaxAgeDays: 84,
            consentRecorded: true, priorAuthorizationRequired: true, priorAuthorization: "PA-1")
        #expect(items.allSatisfy { $0.met })
    }
}
