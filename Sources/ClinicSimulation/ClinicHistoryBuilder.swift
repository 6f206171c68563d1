import ClinicDomain
import ClinicServices
import Foundation

/// One clinic's referrals for `seed --network`, oldest first, each carried along one path of the
/// state machine as far as `now` allows, with its visits on the clinic's resource calendar.
struct ClinicHistoryBuilder {
    /// The paths a referral can take, with the share of referrals on each.
    enum Path {
        /// Red flags: surgical review, then closed.
        case surgicalReview
        /// Triaged, never booked: cancelled after a few weeks (declined, moved away, treated elsewhere).
        case cancelled
        /// Evaluated and found not to be a candidate: closed.
        case notCandidate
        /// Evaluated, treated, seen at follow-up: closed.
        case treated
    }

    let network: NetworkClinic
    let index: Int
    let seed: UInt64
    let ruleSet: CandidacyRuleSet
    let imaging: ImagingService
    let now: Date
    let calendar: LocalCalendar
    let firstDay: LocalDate
    let count: Int
    let days: Int
    /// Shares of the two evaluated paths; each treated referral has three visits, each other one.
    let treatedShare: Double
    let notCandidateShare: Double
    private var random: SplitMix64
    private var made = 0
    private var schedule = ResourceCalendar()
    private var assessments: [String: CandidacyAssessment] = [:]

    static let surgicalShare = 0.05
    static let open = 7 * 60
    static let close = 17 * 60
    static let levels = ["T11", "T12", "L1", "L2", "L3"]
    static let givenNames = ["Eleanor", "Harold", "Margaret", "Walter", "Dolores", "Frank", "Irene", "George"]
    static let familyNames = [
        "Whitfield", "Okafor", "Nakamura", "Lindqvist", "Alvarez", "Brennan", "Kowalski", "Haddad",
    ]

    init(
        clinic: NetworkClinic, index: Int, seed: UInt64, ruleSet: CandidacyRuleSet, imaging: ImagingService,
        days: Int, referrals: Int, visitShare: Double, now: Date
    ) {
        self.network = clinic
        self.index = index
        self.seed = seed
        self.ruleSet = ruleSet
        self.imaging = imaging
        self.now = now
        self.calendar = LocalCalendar(zone: clinic.clinic.timeZone)
        self.firstDay = clinic.clinic.today(at: now).adding(days: -days)
        self.count = referrals
        self.days = days
        // A treated referral has three visits and a not-candidate one has one: with twice as
        // many of the second, visits per referral = 5 x the treated share.
        let treated = min(0.19, max(0, visitShare / 5))
        self.treatedShare = treated
        self.notCandidateShare = 2 * treated
        self.random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
    }

    /// The next `size` referrals, or nil when the clinic's are all made.
    mutating func next(_ size: Int) throws -> [BulkReferral]? {
        guard made < count else { return nil }
        var batch: [BulkReferral] = []
        batch.reserveCapacity(size)
        while made < count && batch.count < size {
            batch.append(try referral(made))
            made += 1
        }
        return batch
    }

    private mutating func path() -> Path {
        let roll = Double(random.next() >> 11) / Double(1 << 53)
        if roll < Self.surgicalShare { return .surgicalReview }
        if roll < Self.surgicalShare + treatedShare { return .treated }
        if roll < Self.surgicalShare + treatedShare + notCandidateShare { return .notCandidate }
        return .cancelled
    }

    /// The n-th referral: arrives on day n x days / count (oldest first) during opening hours.
    private mutating func referral(_ n: Int) throws -> BulkReferral {
        let path = path()
        let day = firstDay.adding(days: n * days / max(1, count))
        let created = calendar.instant(day, minute: random.int(Self.open...(Self.close - 1)))
        let clinic = network.clinic
        let level = Self.levels[random.int(0...(Self.levels.count - 1))]
        let tag = "\(seed)-\(index + 1)-\(n + 1)"
        let redFlag = path == .surgicalReview
        let draft = ImagingResultDraft(
            clinicID: clinic.id.description, sourceSystem: "network-ris", accessionNumber: "NET-\(tag)",
            status: .final, modality: .mri, performedAt: created.addingTimeInterval(-2 * 86_400),
            patient: .init(
                mrn: "NET-\(tag)", givenName: Self.givenNames[random.int(0...7)],
                familyName: Self.familyNames[random.int(0...7)],
                birthDate: "19\(random.int(38...62))-0\(random.int(1...9))-1\(random.int(0...9))",
                sex: random.chance(0.7) ? .female : .male),
            impression: "\(level) compression fracture, \(redFlag ? "retropulsed fragment" : "STIR edema").",
            findings: [
                .init(
                    level: level, heightLossPercent: Double(random.int(15...45)), morphology: .wedge,
                    edema: .present, retropulsion: redFlag)
            ])
        let result = try imaging.validate(draft, clinic: clinic, now: created)
        let resultID = ImagingResultID(random.uuid())
        let flags = ClinicalFlags(knownOsteoporosis: true, severePain: random.chance(0.3))
        let triage = Triage.assess(
            flags: flags,
            studies: [
                TriageStudy(
                    accessionNumber: result.accessionNumber, modality: result.modality, status: result.status,
                    performedOn: calendar.day(result.performedAt), findings: result.findings)
            ],
            symptomOnset: nil, receivedOn: day, targets: TriageTargets())
        let new = NewReferral(
            clinicID: clinic.id, patient: result.patient,
            referringClinician: try ReferringClinician(name: "Dr. Samuel Ortiz", npi: "1234567893"),
            reason: try BoundedText("\(level) fracture, NRS 7 despite bracing.", maxLength: 2000),
            symptomOnset: nil, flags: flags, payer: nil,
            imagingResultIDs: [resultID], triage: triage)

        var story = Story(created: created, now: now)
        try story.move(new.triageTransition, at: created, triage: triage)
        var evaluation: BulkEvaluation?
        switch (path, story.status) {
        case (_, .surgicalReview):
            try story.move(.close, at: created.addingTimeInterval(10 * 86_400))
        case (.cancelled, _):
            try story.move(.cancel, at: created.addingTimeInterval(Double(random.int(3...40)) * 86_400))
        case (.notCandidate, _), (.treated, _), (.surgicalReview, _):
            evaluation = try visits(
                &story, treated: path == .treated, level: level, day: day, result: result)
        }
        return BulkReferral(
            id: ReferralID(random.uuid()), patientID: PatientID(random.uuid()), referral: new,
            imagingResultID: resultID, imaging: result, createdAt: created, events: story.events,
            evaluation: evaluation, appointments: story.appointments)
    }

    /// Books the evaluation a day after arrival, and for a candidate the procedure a week after
    /// the evaluation and the follow-up two weeks after the procedure, as far as `now` allows.
    private mutating func visits(
        _ story: inout Story, treated: Bool, level: String, day: LocalDate, result: NewImagingResult
    ) throws -> BulkEvaluation? {
        let evaluationMinutes = 45
        guard
            let visit = try book(
                &story, .evaluation, from: day.adding(days: 3), minutes: evaluationMinutes,
                kinds: [.consultRoom, .evaluator], bookedAt: story.created.addingTimeInterval(86_400))
        else { return nil }
        guard visit.end <= now else { return nil }
        let findings = EvaluationFindings(
            painNRS: treated ? 8 : 3, hospitalised: false, painWorsening: treated, furtherHeightLoss: false,
            kyphoticDeformity: false, rolandMorris: treated ? 16 : 6, painFromTargetFracture: treated,
            conservativeCare: ConservativeCare(medication: true, bracing: true, weeks: 6),
            contraindications: .noneFound, boneDensityReferral: true, osteoporosisEducation: true, myeloma: false,
            levels: [try VertebralLevel(level)], anesthesia: .localWithSedation, anticoagulant: .none)
        let assessment = assessment(findings, level: level, result: result)
        let outcome: EvaluationOutcome = treated && assessment.recommendation == .candidate ? .candidate : .notCandidate
        try story.move(.recordEvaluation(outcome), at: visit.end)
        let evaluation = BulkEvaluation(
            evaluation: NewEvaluation(
                id: EvaluationID(random.uuid()), ruleSet: ruleSet, findings: findings, assessment: assessment,
                outcome: outcome, reason: nil, reevaluateOn: nil,
                againstRecommendation: outcome == .notCandidate && assessment.recommendation == .candidate),
            clinicianName: "Dr. Evaluator", at: visit.end)
        guard outcome == .candidate else {
            try story.move(.close, at: visit.end.addingTimeInterval(86_400))
            return evaluation
        }
        guard
            let procedure = try book(
                &story, .procedure, from: calendar.day(visit.end).adding(days: 7), minutes: 60 + 15,
                kinds: [.procedureRoom, .proceduralist], bookedAt: visit.end.addingTimeInterval(3_600),
                recovery: 90)
        else { return evaluation }
        guard procedure.end <= now else { return evaluation }
        try story.move(.completeProcedure, at: procedure.end)
        guard
            let followUp = try book(
                &story, .followUp, from: calendar.day(procedure.end).adding(days: 14), minutes: 20,
                kinds: [.consultRoom, .evaluator], bookedAt: procedure.end.addingTimeInterval(3_600))
        else { return evaluation }
        if followUp.end <= now { try story.move(.close, at: followUp.end.addingTimeInterval(3_600)) }
        return evaluation
    }

    /// The rule set's assessment, the same for every referral with the same findings and level.
    private mutating func assessment(_ findings: EvaluationFindings, level: String, result: NewImagingResult)
        -> CandidacyAssessment
    {
        let key = "\(level)|\(findings.painNRS ?? 0)"
        if let known = assessments[key] { return known }
        let evidence = LevelEvidence.from([(result.modality, result.findings)])
        let assessment = CandidacyAssessment.assess(findings, evidence: evidence, parameters: ruleSet.parameters)
        assessments[key] = assessment
        return assessment
    }

    /// Books the first weekday time from `day` on at which one resource of each kind is free,
    /// when the booking itself happens before `now`; the visit is completed when it has ended.
    private mutating func book(
        _ story: inout Story, _ kind: VisitKind, from day: LocalDate, minutes: Int, kinds: [ResourceKind],
        bookedAt: Date, recovery: Int = 0
    ) throws -> (start: Date, end: Date)? {
        guard bookedAt <= now else { return nil }
        var day = day
        while true {
            if calendar.isWeekday(day),
                let (start, chosen) = schedule.claim(
                    day: day, minutes: minutes, latestEnd: Self.close - recovery, opens: Self.open,
                    options: kinds.map { network.resources[$0] ?? [] })
            {
                let startInstant = calendar.instant(day, minute: start)
                let end = startInstant.addingTimeInterval(Double(minutes) * 60)
                let transition: ReferralTransition =
                    switch kind {
                    case .evaluation: .scheduleEvaluation
                    case .procedure: .scheduleProcedure
                    case .followUp: .scheduleFollowUp
                    }
                try story.move(transition, at: bookedAt)
                let done = end <= now
                story.appointments.append(
                    BulkAppointment(
                        id: AppointmentID(random.uuid()), kind: kind, state: done ? .completed : .booked,
                        start: startInstant, end: end, resources: chosen, bookedAt: bookedAt,
                        updatedAt: done ? end : bookedAt))
                return (startInstant, end)
            }
            day = day.adding(days: 1)
        }
    }
}

/// A referral's event log as it grows, every move checked by the state machine.
struct Story {
    let created: Date
    let now: Date
    private(set) var events: [BulkEvent]
    var appointments: [BulkAppointment] = []

    init(created: Date, now: Date) {
        self.created = created
        self.now = now
        events = [BulkEvent(kind: .created, from: nil, to: .received, at: created, triage: nil)]
    }

    var status: ReferralStatus { events.last?.to ?? .received }

    /// Records the move if it happened before `now`; a move the state machine refuses throws.
    mutating func move(_ transition: ReferralTransition, at instant: Date, triage: TriageOutcome? = nil) throws {
        guard instant <= now else { return }
        let from = status
        events.append(
            BulkEvent(
                kind: .moved(transition), from: from, to: try transition.apply(to: from), at: instant, triage: triage))
    }
}

/// Who is busy when: per resource and day, the minute from which it is free. A cursor only
/// moves forward, so claims on one resource never overlap.
struct ResourceCalendar {
    private var free: [ResourceID: [LocalDate: Int]] = [:]

    /// Claims `minutes` on the least busy resource of each option list, starting when all of
    /// them are free; nil when that would end after `latestEnd`.
    mutating func claim(day: LocalDate, minutes: Int, latestEnd: Int, opens: Int, options: [[ResourceID]])
        -> (start: Int, resources: [ResourceID])?
    {
        var chosen: [ResourceID] = []
        var start = opens
        for candidates in options {
            guard
                let best = candidates.min(by: { (free[$0]?[day] ?? opens) < (free[$1]?[day] ?? opens) })
            else { return nil }
            chosen.append(best)
            start = max(start, free[best]?[day] ?? opens)
        }
        guard start + minutes <= latestEnd else { return nil }
        for resource in chosen { free[resource, default: [:]][day] = start + minutes }
        return (start, chosen)
    }
}
