import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/referrals/{id}/evaluations`, the pre-procedure plan and `/v1/candidacy-rule-sets`.
extension APIHandler {
    func createEvaluation(_ input: Operations.CreateEvaluation.Input) async throws -> Operations.CreateEvaluation.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the evaluation as application/json")
        }
        let findings = try EvaluationFindings(body.inputs)
        let decision = EvaluationDecisionDraft(
            outcome: EvaluationOutcome(rawValue: body.decision.outcome.rawValue) ?? .deferred,
            reason: body.decision.reason, reevaluateOn: body.decision.reevaluateOn)
        let record = try await services.evaluations.record(
            referralID: try ReferralID(input.path.id, at: "/id"), findings: findings, decision: decision,
            actor: RequestScope.actor())
        return .created(.init(body: .json(.init(record))))
    }

    func listEvaluations(_ input: Operations.ListEvaluations.Input) async throws -> Operations.ListEvaluations.Output {
        let records = try await services.evaluations.list(
            referralID: try ReferralID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(items: records.map(Components.Schemas.Evaluation.init)))))
    }

    func getPreProcedurePlan(_ input: Operations.GetPreProcedurePlan.Input) async throws
        -> Operations.GetPreProcedurePlan.Output
    {
        let (record, plan) = try await services.evaluations.plan(
            referralID: try ReferralID(input.path.id, at: "/id"),
            procedureDate: try LocalDate(input.query.procedureDate, at: "/procedureDate"),
            actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        evaluationId: record.id.description, procedureDate: plan.procedureDate.description,
                        levels: plan.levels.map(\.description),
                        estimatedMinutes: plan.estimatedMinutes,
                        anesthesia: .init(rawValue: plan.anesthesia.rawValue) ?? .localWithSedation,
                        needsAnesthesiaProvider: plan.needsAnesthesiaProvider,
                        labs: plan.labs.map {
                            .init(
                                name: $0.name, value: $0.value, threshold: $0.threshold,
                                outcome: .init(rawValue: $0.outcome.rawValue) ?? .notKnown)
                        },
                        holds: plan.holds.compactMap { hold in
                            Components.Schemas.PreProcedurePlan.HoldsPayloadPayload.AnticoagulantPayload(
                                rawValue: hold.anticoagulant.rawValue
                            ).map {
                                .init(
                                    anticoagulant: $0, daysBefore: hold.daysBefore, stopOn: hold.stopOn.description,
                                    instruction: hold.instruction)
                            }
                        },
                        instructions: plan.instructions))))
    }

    func listCandidacyRuleSets(_ input: Operations.ListCandidacyRuleSets.Input) async throws
        -> Operations.ListCandidacyRuleSets.Output
    {
        let sets = try await services.evaluations.ruleSets(allVersions: input.query.allVersions ?? false)
        return .ok(.init(body: .json(.init(items: sets.map(Components.Schemas.CandidacyRuleSet.init)))))
    }

    func createCandidacyRuleSetVersion(_ input: Operations.CreateCandidacyRuleSetVersion.Input) async throws
        -> Operations.CreateCandidacyRuleSetVersion.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the rule set as application/json")
        }
        let p = body.parameters
        let parameters = CandidacyParameters(
            highestLevel: p.highestLevel, lowestLevel: p.lowestLevel,
            minimumPainHospitalised: p.minimumPainHospitalised,
            minimumPainOutpatient: p.minimumPainOutpatient, stablePainCriteriaRequired: p.stablePainCriteriaRequired,
            conservativeCareWeeks: p.conservativeCareWeeks, maximumLevelsPerSession: p.maximumLevelsPerSession,
            myelomaExempt: p.myelomaExempt, pregnancyIsAbsolute: p.pregnancyIsAbsolute,
            severeCollapseWarningPercent: p.severeCollapseWarningPercent, maximumINR: p.maximumINR,
            minimumPlatelets: p.minimumPlatelets,
            requiresPriorAuthorization: p.requiresPriorAuthorization ?? false)
        let set = try await services.evaluations.addRuleSetVersion(
            name: body.name, payer: body.payer, parameters: parameters,
            actor: RequestScope.actor())
        return .created(.init(body: .json(.init(set))))
    }
}

extension EvaluationFindings {
    /// The DTO's fields; levels are parsed here so a bad one is named by its index.
    init(_ dto: Components.Schemas.EvaluationInputs) throws {
        var collector = ViolationCollector()
        let levels = dto.levels.enumerated().compactMap { index, text in
            collector.check("/inputs/levels/\(index)") { try VertebralLevel(text) }
        }
        try collector.throwIfAny()
        let c = dto.contraindications
        self.init(
            painNRS: dto.painNRS, hospitalised: dto.hospitalised, painWorsening: dto.painWorsening,
            furtherHeightLoss: dto.furtherHeightLoss, kyphoticDeformity: dto.kyphoticDeformity,
            rolandMorris: dto.rolandMorris,
            painFromTargetFracture: dto.painFromTargetFracture,
            conservativeCare: dto.conservativeCare.map {
                ConservativeCare(
                    medication: $0.medication ?? false, rest: $0.rest ?? false, bracing: $0.bracing ?? false,
                    physicalTherapy: $0.physicalTherapy ?? false, weeks: $0.weeks)
            },
            contraindications: ContraindicationChecklist(
                backPainNotFromFracture: c?.backPainNotFromFracture, activeInfection: c?.activeInfection,
                pregnancy: c?.pregnancy,
                cementOrContrastAllergy: c?.cementOrContrastAllergy,
                uncorrectedCoagulopathy: c?.uncorrectedCoagulopathy,
                spinalInstability: c?.spinalInstability, myelopathy: c?.myelopathy,
                neurologicalDeficit: c?.neurologicalDeficit,
                nerveImpingement: c?.nerveImpingement, retropulsion: c?.retropulsion),
            boneDensityReferral: dto.boneDensityReferral, osteoporosisEducation: dto.osteoporosisEducation,
            myeloma: dto.myeloma,
            levels: levels, anesthesia: AnesthesiaPlan(rawValue: dto.anesthesia.rawValue) ?? .localWithSedation,
            anticoagulant: Anticoagulant(rawValue: dto.anticoagulant.rawValue) ?? .none, inr: dto.inr,
            platelets: dto.platelets)
    }
}

extension Components.Schemas.EvaluationInputs {
    init(_ f: EvaluationFindings) {
        let c = f.contraindications
        self.init(
            painNRS: f.painNRS, hospitalised: f.hospitalised, painWorsening: f.painWorsening,
            furtherHeightLoss: f.furtherHeightLoss,
            kyphoticDeformity: f.kyphoticDeformity, rolandMorris: f.rolandMorris,
            painFromTargetFracture: f.painFromTargetFracture,
            conservativeCare: f.conservativeCare.map {
                .init(
                    medication: $0.medication, rest: $0.rest, bracing: $0.bracing, physicalTherapy: $0.physicalTherapy,
                    weeks: $0.weeks)
            },
            contraindications: .init(
                backPainNotFromFracture: c.backPainNotFromFracture, activeInfection: c.activeInfection,
                pregnancy: c.pregnancy,
                cementOrContrastAllergy: c.cementOrContrastAllergy, uncorrectedCoagulopathy: c.uncorrectedCoagulopathy,
                spinalInstability: c.spinalInstability, myelopathy: c.myelopathy,
                neurologicalDeficit: c.neurologicalDeficit,
                nerveImpingement: c.nerveImpingement, retropulsion: c.retropulsion),
            boneDensityReferral: f.boneDensityReferral, osteoporosisEducation: f.osteoporosisEducation,
            myeloma: f.myeloma,
            levels: f.levels.map(\.description),
            anesthesia: .init(rawValue: f.anesthesia.rawValue) ?? .localWithSedation,
            anticoagulant: Components.Schemas.EvaluationInputs.AnticoagulantPayload(rawValue: f.anticoagulant.rawValue)
                ?? .none, inr: f.inr, platelets: f.platelets)
    }
}

extension Components.Schemas.Evaluation {
    init(_ record: EvaluationRecord) {
        self.init(
            id: record.id.description, referralId: record.referralID.description,
            ruleSet: .init(
                id: record.ruleSet.id.description, name: record.ruleSet.name, version: record.ruleSet.version),
            inputs: .init(record.findings),
            recommendation: .init(rawValue: record.assessment.recommendation.rawValue) ?? .needsInformation,
            verdicts: record.assessment.verdicts.map {
                .init(
                    rule: $0.rule, outcome: .init(rawValue: $0.outcome.rawValue) ?? .notKnown, value: $0.value,
                    explanation: $0.explanation)
            },
            warnings: record.assessment.warnings,
            decision: .init(
                outcome: .init(rawValue: record.outcome.rawValue) ?? .deferred, reason: record.reason,
                reevaluateOn: record.reevaluateOn?.description),
            againstRecommendation: record.againstRecommendation, clinicianName: record.clinicianName,
            createdAt: record.createdAt)
    }
}

extension Components.Schemas.CandidacyRuleSet {
    init(_ set: CandidacyRuleSet) {
        let p = set.parameters
        self.init(
            id: set.id.description, name: set.name, version: set.version, payer: set.payer,
            parameters: .init(
                highestLevel: p.highestLevel, lowestLevel: p.lowestLevel,
                minimumPainHospitalised: p.minimumPainHospitalised, minimumPainOutpatient: p.minimumPainOutpatient,
                stablePainCriteriaRequired: p.stablePainCriteriaRequired,
                conservativeCareWeeks: p.conservativeCareWeeks,
                maximumLevelsPerSession: p.maximumLevelsPerSession, myelomaExempt: p.myelomaExempt,
                pregnancyIsAbsolute: p.pregnancyIsAbsolute,
                severeCollapseWarningPercent: p.severeCollapseWarningPercent,
                maximumINR: p.maximumINR, minimumPlatelets: p.minimumPlatelets,
                requiresPriorAuthorization: p.requiresPriorAuthorization))
    }
}
