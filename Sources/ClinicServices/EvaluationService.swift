import ClinicDomain
import Foundation

/// Marker for evaluation identifiers.
public enum EvaluationTag {}
public typealias EvaluationID = Identifier<EvaluationTag>

/// The clinician's decision as sent, before validation.
public struct EvaluationDecisionDraft: Sendable, Hashable {
    public var outcome: EvaluationOutcome
    public var reason: String?
    public var reevaluateOn: String?

    public init(outcome: EvaluationOutcome, reason: String?, reevaluateOn: String?) {
        self.outcome = outcome
        self.reason = reason
        self.reevaluateOn = reevaluateOn
    }
}

/// An evaluation ready to store: what was found, how the rule set judged it, what was decided.
public struct NewEvaluation: Sendable {
    public let id: EvaluationID
    public let ruleSet: CandidacyRuleSet
    public let findings: EvaluationFindings
    public let assessment: CandidacyAssessment
    public let outcome: EvaluationOutcome
    public let reason: String?
    public let reevaluateOn: LocalDate?
    /// The clinician decided against the rule set's recommendation (a reason is then required).
    public let againstRecommendation: Bool

    public init(
        id: EvaluationID, ruleSet: CandidacyRuleSet, findings: EvaluationFindings, assessment: CandidacyAssessment,
        outcome: EvaluationOutcome, reason: String?, reevaluateOn: LocalDate?, againstRecommendation: Bool
    ) {
        self.id = id
        self.ruleSet = ruleSet
        self.findings = findings
        self.assessment = assessment
        self.outcome = outcome
        self.reason = reason
        self.reevaluateOn = reevaluateOn
        self.againstRecommendation = againstRecommendation
    }
}

/// An evaluation as stored.
public struct EvaluationRecord: Sendable {
    public let id: EvaluationID
    public let referralID: ReferralID
    public let ruleSet: CandidacyRuleSet
    public let findings: EvaluationFindings
    public let assessment: CandidacyAssessment
    public let outcome: EvaluationOutcome
    public let reason: String?
    public let reevaluateOn: LocalDate?
    public let againstRecommendation: Bool
    public let clinicianName: String
    public let createdAt: Date

    public init(
        id: EvaluationID, referralID: ReferralID, ruleSet: CandidacyRuleSet, findings: EvaluationFindings,
        assessment: CandidacyAssessment, outcome: EvaluationOutcome, reason: String?, reevaluateOn: LocalDate?,
        againstRecommendation: Bool, clinicianName: String, createdAt: Date
    ) {
        self.id = id
        self.referralID = referralID
        self.ruleSet = ruleSet
        self.findings = findings
        self.assessment = assessment
        self.outcome = outcome
        self.reason = reason
        self.reevaluateOn = reevaluateOn
        self.againstRecommendation = againstRecommendation
        self.clinicianName = clinicianName
        self.createdAt = createdAt
    }
}

/// Candidacy rule sets, stored as versioned data.
public protocol CandidacyRuleSetStore: Sendable {
    /// The latest version of each set, or every version.
    func ruleSets(allVersions: Bool) async throws -> [CandidacyRuleSet]
    /// The latest version of the set for this payer, else of the clinic's default set.
    func ruleSet(payer: String?, clinicID: ClinicID) async throws -> CandidacyRuleSet
    /// Adds the next version of `name` (version 1 for a new name).
    func addVersion(name: String, payer: String?, parameters: CandidacyParameters, actor: Actor) async throws
        -> CandidacyRuleSet
}

/// Evaluations, written with the referral's state change in one transaction.
public protocol EvaluationStore: Sendable {
    /// Locks the referral, hands it and its current imaging to `build`, and writes the evaluation,
    /// the referral's next state, its event and audit rows together.
    func record(
        referralID: ReferralID, actor: Actor,
        build: @escaping @Sendable (ReferralSnapshot, [ImagingResult]) throws -> (NewEvaluation, ReferralChange))
        async throws
    /// Oldest first; nil when the referral does not exist within `scope`.
    func evaluations(referralID: ReferralID, scope: ClinicScope) async throws -> [EvaluationRecord]?
    /// The newest evaluation of each of these referrals that has one within `scope`, in one
    /// statement whatever their number (the day sheet, the waitlist).
    func latestEvaluations(referralIDs: [ReferralID], scope: ClinicScope) async throws -> [ReferralID: EvaluationRecord]
    func minutesPerLevel(clinicID: ClinicID) async throws -> Int
}

/// The evaluation visit: assessment by the payer's rule set, the clinician's decision, the plan.
public struct EvaluationService: Sendable {
    private let evaluations: any EvaluationStore
    private let ruleSets: any CandidacyRuleSetStore
    private let referrals: any ReferralStore
    private let clinics: any ClinicStore
    private let audit: any AuditStore
    private let reach: ClinicReach

    public init(
        evaluations: any EvaluationStore, ruleSets: any CandidacyRuleSetStore, referrals: any ReferralStore,
        clinics: any ClinicStore, audit: any AuditStore, reach: ClinicReach
    ) {
        self.evaluations = evaluations
        self.ruleSets = ruleSets
        self.referrals = referrals
        self.clinics = clinics
        self.audit = audit
        self.reach = reach
    }

    /// Records an evaluation: validates it, assesses it, checks the decision against the
    /// recommendation, and moves the referral to candidate, not_candidate or deferred.
    public func record(
        referralID: ReferralID, findings: EvaluationFindings, decision: EvaluationDecisionDraft,
        actor: Actor
    ) async throws -> EvaluationRecord {
        return try await reach.within(.referral(referralID), actor) {
            guard let referral = try await referrals.referral(id: referralID, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "referral")
            }
            let today =
                try await clinics.clinic(id: referral.clinicID)?.today(at: actor.at)
                ?? LocalDate(actor.at, in: TimeZone(identifier: "UTC")!)
            var collector = ViolationCollector()
            _ = collector.check("/inputs") { try findings.validate() }
            let reason = decision.reason.flatMap { text in
                collector.check("/decision/reason") { try BoundedText(text, maxLength: 2000) }
            }
            var reevaluateOn: LocalDate?
            if let text = decision.reevaluateOn {
                reevaluateOn = collector.check("/decision/reevaluateOn") { try LocalDate(iso8601: text) }
                if let date = reevaluateOn, date <= today {
                    collector.add("/decision/reevaluateOn", "must be after today")
                }
            }
            if decision.outcome == .deferred && decision.reevaluateOn == nil {
                collector.add("/decision/reevaluateOn", "is required when the decision is deferred")
            }
            do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
            let ruleSet = try await ruleSets.ruleSet(payer: referral.payer, clinicID: referral.clinicID)
            let id = EvaluationID.random()
            let reevaluate = reevaluateOn
            try await evaluations.record(referralID: referralID, actor: actor) { snapshot, results in
                let evidence = LevelEvidence.from(results.map { ($0.modality, $0.findings) })
                var missing = ViolationCollector()
                for (index, level) in findings.levels.enumerated() where evidence[level] == nil {
                    missing.add("/inputs/levels/\(index)", "no fracture at \(level) on the referral's imaging")
                }
                do { try missing.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
                let assessment = CandidacyAssessment.assess(
                    findings, evidence: evidence, parameters: ruleSet.parameters)
                let against =
                    (decision.outcome == .candidate && assessment.recommendation != .candidate)
                    || (decision.outcome == .notCandidate && assessment.recommendation == .candidate)
                if against && reason == nil {
                    throw ServiceError.invalid(
                        "/decision/reason",
                        "is required: the decision \(decision.outcome.rawValue) goes against the recommendation \(assessment.recommendation.rawValue)"
                    )
                }
                var change = try ReferralChange(from: snapshot, moving: .recordEvaluation(decision.outcome))
                change.eventReason = reason?.value
                let evaluation = NewEvaluation(
                    id: id, ruleSet: ruleSet, findings: findings, assessment: assessment,
                    outcome: decision.outcome, reason: reason?.value, reevaluateOn: reevaluate,
                    againstRecommendation: against)
                return (evaluation, change)
            }
            guard
                let stored = try await evaluations.evaluations(referralID: referralID, scope: actor.scope)?.first(
                    where: { $0.id == id })
            else {
                throw ServiceError.notFound(entity: "evaluation")
            }
            return stored
        }
    }

    /// A referral's evaluations, oldest first; audited as a read of patient data.
    /// The levels each referral's latest evaluation plans to treat (what a procedure is coded
    /// with), in one read whatever their number; referrals without an evaluation are left out.
    public func plannedLevels(referralIDs: [ReferralID], actor: Actor) async throws -> [ReferralID: [VertebralLevel]] {
        guard !referralIDs.isEmpty else { return [:] }
        return try await evaluations.latestEvaluations(referralIDs: referralIDs, scope: actor.scope)
            .mapValues(\.findings.levels)
    }

    public func list(referralID: ReferralID, actor: Actor) async throws -> [EvaluationRecord] {
        return try await reach.within(.referral(referralID), actor) {
            guard let list = try await evaluations.evaluations(referralID: referralID, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "referral")
            }
            try await audit.record(
                AuditEntry(
                    actor: actor, action: "evaluation.list", entityType: "referral", entityID: referralID.rawValue))
            return list
        }
    }

    /// The pre-procedure plan of the latest candidate decision, for a procedure on `procedureDate`.
    public func plan(referralID: ReferralID, procedureDate date: LocalDate, actor: Actor) async throws -> (
        EvaluationRecord, PreProcedurePlan
    ) {
        return try await reach.within(.referral(referralID), actor) {
            guard let referral = try await referrals.referral(id: referralID, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "referral")
            }
            let latest = try await evaluations.latestEvaluations(referralIDs: [referralID], scope: actor.scope)[
                referralID]
            guard let latest, latest.outcome == .candidate else {
                throw ServiceError.conflict(
                    "this referral has no evaluation deciding it is a candidate; a plan follows a candidate decision")
            }
            let minutes = try await evaluations.minutesPerLevel(clinicID: referral.clinicID)
            try await audit.record(
                AuditEntry(
                    actor: actor, action: "evaluation.plan.read", entityType: "referral", entityID: referralID.rawValue)
            )
            return (
                latest,
                PreProcedurePlan.make(
                    latest.findings, parameters: latest.ruleSet.parameters, minutesPerLevel: minutes,
                    procedureDate: date)
            )
        }
    }

    /// Rule sets, latest versions or all.
    public func ruleSets(allVersions: Bool) async throws -> [CandidacyRuleSet] {
        try await ruleSets.ruleSets(allVersions: allVersions)
    }

    /// A new version of a rule set (admin). Evaluations keep the version they were judged by.
    public func addRuleSetVersion(name: String, payer: String?, parameters: CandidacyParameters, actor: Actor)
        async throws -> CandidacyRuleSet
    {
        try await reach.requireNetwork(actor, to: "add a candidacy rule set version (every clinic uses it)")
        var collector = ViolationCollector()
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.count > 63
            || !trimmed.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" })
            || trimmed.first == "-"
        {
            collector.add("/name", "must be 1-63 lowercase letters, digits and dashes, e.g. aetna-2027")
        }
        let payer = payer.flatMap { text in collector.check("/payer") { try BoundedText(text, maxLength: 100) } }
        _ = collector.check("/parameters") { try parameters.validate() }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        return try await ruleSets.addVersion(name: trimmed, payer: payer?.value, parameters: parameters, actor: actor)
    }
}
