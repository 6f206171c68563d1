import ClinicDomain
import Foundation
import Testing

/// The triage rules of DOMAIN.md, one clinical example per rule.
@Suite("Triage")
struct TriageTests {
    static let received = try! LocalDate(iso8601: "2026-11-25")
    static let targets = TriageTargets(urgentDueDays: 3, routineDueDays: 14, candidacyWindowDays: 84)

    static func finding(
        _ level: String, loss: Double = 30, edema: EdemaFinding = .present, retropulsion: Bool = false,
        malignancy: Bool = false, infection: Bool = false
    ) -> VertebralFinding {
        try! VertebralFinding(
            level: VertebralLevel(level), heightLossPercent: loss, morphology: .wedge, edema: edema,
            retropulsion: retropulsion, suspectedMalignancy: malignancy, suspectedInfection: infection)
    }

    static func mri(
        _ findings: [VertebralFinding], on date: String = "2026-11-20", status: ResultStatus = .final,
        modality: Modality = .mri
    ) -> TriageStudy {
        TriageStudy(
            accessionNumber: "MR-1001", modality: modality, status: status, performedOn: try! LocalDate(iso8601: date),
            findings: findings)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let flags: ClinicalFlags
        let findings: [VertebralFinding]
        let urgency: Urgency
        let reasonCodes: [String]
        let dueOn: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "68-year-old, L1 wedge, 30% height loss, STIR edema, no flags: routine in 14 days",
            flags: ClinicalFlags(), findings: [finding("L1")], urgency: .routine, reasonCodes: ["routine"],
            dueOn: "2026-12-09"),
        Case(
            name: "new leg weakness (neurological deficit): surgical review the same day",
            flags: ClinicalFlags(neurologicalDeficit: true), findings: [finding("L1")], urgency: .surgicalReview,
            reasonCodes: ["neurological_deficit"], dueOn: "2026-11-25"),
        Case(
            name: "L2 crush fracture with retropulsion: surgical review",
            flags: ClinicalFlags(), findings: [finding("L2", loss: 45, retropulsion: true)], urgency: .surgicalReview,
            reasonCodes: ["retropulsion"], dueOn: "2026-11-25"),
        Case(
            name: "T11 with suspected discitis/osteomyelitis: surgical review",
            flags: ClinicalFlags(), findings: [finding("T11", infection: true)], urgency: .surgicalReview,
            reasonCodes: ["suspected_infection"], dueOn: "2026-11-25"),
        Case(
            name: "L3 with suspected pathologic fracture: urgent in 3 days",
            flags: ClinicalFlags(), findings: [finding("L3", malignancy: true)], urgency: .urgent,
            reasonCodes: ["suspected_malignancy"], dueOn: "2026-11-28"),
        Case(
            name: "known breast cancer with new back pain: urgent",
            flags: ClinicalFlags(cancerHistory: true), findings: [finding("T12")], urgency: .urgent,
            reasonCodes: ["cancer_history"], dueOn: "2026-11-28"),
        Case(
            name: "long-term prednisone: urgent",
            flags: ClinicalFlags(longTermSteroids: true), findings: [finding("T12")], urgency: .urgent,
            reasonCodes: ["long_term_steroids"], dueOn: "2026-11-28"),
        Case(
            name: "known osteoporosis with new severe pain: urgent",
            flags: ClinicalFlags(knownOsteoporosis: true, severePain: true), findings: [finding("L1")],
            urgency: .urgent,
            reasonCodes: ["osteoporosis_severe_pain"], dueOn: "2026-11-28"),
        Case(
            name: "known osteoporosis without severe pain: routine",
            flags: ClinicalFlags(knownOsteoporosis: true), findings: [finding("L1")], urgency: .routine,
            reasonCodes: ["routine"], dueOn: "2026-12-09"),
        Case(
            name: "red flag and urgent history together: surgical review, both reasons kept",
            flags: ClinicalFlags(neurologicalDeficit: true, longTermSteroids: true), findings: [finding("L1")],
            urgency: .surgicalReview, reasonCodes: ["neurological_deficit", "long_term_steroids"], dueOn: "2026-11-25"),
    ]

    @Test("the triage table", arguments: cases)
    func triageTable(_ example: Case) {
        let outcome = Triage.assess(
            flags: example.flags, studies: [Self.mri(example.findings)], symptomOnset: nil,
            receivedOn: Self.received, targets: Self.targets)
        #expect(outcome.urgency == example.urgency)
        #expect(outcome.reasons.map(\.code) == example.reasonCodes)
        #expect(outcome.evaluationDueOn.description == example.dueOn)
    }

    @Test("every reason names its finding: level, modality and accession")
    func reasonsNameTheFinding() {
        let outcome = Triage.assess(
            flags: ClinicalFlags(), studies: [Self.mri([Self.finding("L2", retropulsion: true)])],
            symptomOnset: nil, receivedOn: Self.received, targets: Self.targets)
        #expect(outcome.reasons[0].detail.contains("L2") && outcome.reasons[0].detail.contains("MR-1001"))
    }

    @Test("the window closes 12 weeks after onset when onset is known")
    func windowFromOnset() throws {
        let outcome = Triage.assess(
            flags: ClinicalFlags(), studies: [Self.mri([Self.finding("L1")])],
            symptomOnset: try LocalDate(iso8601: "2026-10-30"), receivedOn: Self.received, targets: Self.targets)
        #expect(outcome.windowClosesOn?.description == "2027-01-22")
    }

    @Test("without onset the window runs from the earliest imaging date")
    func windowFromImaging() {
        let outcome = Triage.assess(
            flags: ClinicalFlags(),
            studies: [
                Self.mri([Self.finding("L1")], on: "2026-11-20"),
                Self.mri([Self.finding("L1", edema: .unknown)], on: "2026-11-02", modality: .xRay),
            ],
            symptomOnset: nil, receivedOn: Self.received, targets: Self.targets)
        #expect(outcome.windowClosesOn?.description == "2027-01-25")
    }

    @Test("without onset or imaging the window is unknown, not invented")
    func windowUnknown() {
        let outcome = Triage.assess(
            flags: ClinicalFlags(), studies: [], symptomOnset: nil, receivedOn: Self.received, targets: Self.targets)
        #expect(outcome.windowClosesOn == nil)
        #expect(outcome.urgency == .routine)
    }

    @Test("a cancelled report's red flags no longer count")
    func cancelledStudyIgnored() {
        let outcome = Triage.assess(
            flags: ClinicalFlags(), studies: [Self.mri([Self.finding("L2", retropulsion: true)], status: .cancelled)],
            symptomOnset: nil, receivedOn: Self.received, targets: Self.targets)
        #expect(outcome.urgency == .routine)
    }

    @Test("an override wins, keeps the assessed reasons and says so")
    func overrideWins() {
        let outcome = Triage.assess(
            flags: ClinicalFlags(), studies: [Self.mri([Self.finding("L1")])], symptomOnset: nil,
            receivedOn: Self.received, targets: Self.targets, override: .urgent)
        #expect(outcome.urgency == .urgent)
        #expect(outcome.reasons.map(\.code) == ["routine", "override"])
        #expect(outcome.evaluationDueOn.description == "2026-11-28")
    }

    @Test("clinic targets are data: a clinic with 7-day routine targets")
    func targetsAreConfiguration() {
        let outcome = Triage.assess(
            flags: ClinicalFlags(), studies: [], symptomOnset: nil, receivedOn: Self.received,
            targets: TriageTargets(urgentDueDays: 1, routineDueDays: 7, candidacyWindowDays: 42))
        #expect(outcome.evaluationDueOn.description == "2026-12-02")
    }
}

@Suite("Imaging findings")
struct ImagingFindingTests {
    @Test(
        "Genant grade from height loss",
        arguments: [(0.0, 0), (19.9, 0), (20, 1), (24.9, 1), (25, 2), (40, 2), (40.1, 3), (85, 3)])
    func genant(loss: Double, grade: Int) throws {
        #expect(GenantGrade(heightLossPercent: loss).rawValue == grade)
    }

    @Test(
        "levels C1-C7, T1-T12, L1-L5 and S1 are accepted", arguments: ["C1", "C7", "T1", "T12", "L1", "L5", "S1", "l1"])
    func levelsAccepted(code: String) throws {
        #expect(try VertebralLevel(code).description == code.uppercased())
    }

    @Test("other level names are refused", arguments: ["C0", "C8", "T13", "L6", "S2", "X1", "L", "L01", "", "T1O"])
    func levelsRefused(code: String) {
        #expect(throws: ValidationError.self) { try VertebralLevel(code) }
    }

    @Test("height loss outside 0-100 is refused", arguments: [-1.0, 100.5, .nan, .infinity])
    func heightLossRange(loss: Double) {
        #expect(throws: ValidationError.self) {
            try VertebralFinding(
                level: VertebralLevel("L1"), heightLossPercent: loss, morphology: nil, edema: .unknown,
                retropulsion: false, suspectedMalignancy: false, suspectedInfection: false)
        }
    }

    @Test("a deformity on X-ray alone does not show a recent fracture; STIR edema on MRI does")
    func acuity() throws {
        let finding = try VertebralFinding(
            level: VertebralLevel("L1"), heightLossPercent: 30, morphology: .wedge, edema: .present,
            retropulsion: false, suspectedMalignancy: false, suspectedInfection: false)
        #expect(finding.acuity(on: .xRay) == .unknown)
        #expect(finding.acuity(on: .ct) == .unknown)
        #expect(finding.acuity(on: .mri) == .recent)
        #expect(finding.acuity(on: .boneScan) == .recent)
    }
}

@Suite("Imaging revision policy")
struct ImagingRevisionPolicyTests {
    static let a: [UInt8] = [1]
    static let b: [UInt8] = [2]

    @Test("new accessions: preliminary and final are stored; corrected and cancelled are refused")
    func newAccessions() {
        #expect(ImagingRevisionPolicy.decide(current: nil, incoming: .preliminary, contentHash: Self.a) == .create)
        #expect(ImagingRevisionPolicy.decide(current: nil, incoming: .final, contentHash: Self.a) == .create)
        if case .refuse(let pointer, _, let conflict) = ImagingRevisionPolicy.decide(
            current: nil, incoming: .corrected, contentHash: Self.a)
        {
            #expect(pointer == "/resultStatus" && !conflict)
        } else {
            Issue.record("a corrected result for an unseen accession was not refused")
        }
    }

    @Test("the same content is a replay whatever its status")
    func replay() {
        #expect(
            ImagingRevisionPolicy.decide(current: (.final, Self.a), incoming: .final, contentHash: Self.a) == .replay)
    }

    @Test("preliminary -> final -> corrected -> corrected are revisions")
    func forwardRevisions() {
        #expect(
            ImagingRevisionPolicy.decide(current: (.preliminary, Self.a), incoming: .preliminary, contentHash: Self.b)
                == .revise)
        #expect(
            ImagingRevisionPolicy.decide(current: (.preliminary, Self.a), incoming: .final, contentHash: Self.b)
                == .revise)
        #expect(
            ImagingRevisionPolicy.decide(current: (.final, Self.a), incoming: .corrected, contentHash: Self.b)
                == .revise)
        #expect(
            ImagingRevisionPolicy.decide(current: (.corrected, Self.a), incoming: .corrected, contentHash: Self.b)
                == .revise)
        #expect(
            ImagingRevisionPolicy.decide(current: (.final, Self.a), incoming: .cancelled, contentHash: Self.b)
                == .revise)
    }

    @Test("older statuses, a changed final and anything after cancellation are conflicts")
    func conflicts() {
        for (current, incoming) in [
            (ResultStatus.final, ResultStatus.preliminary), (.corrected, .final), (.final, .final),
            (.cancelled, .corrected),
        ] {
            guard
                case .refuse(_, _, true) = ImagingRevisionPolicy.decide(
                    current: (current, Self.a), incoming: incoming, contentHash: Self.b)
            else {
                Issue.record("\(current) -> \(incoming) was not refused as a conflict")
                continue
            }
        }
    }
}
