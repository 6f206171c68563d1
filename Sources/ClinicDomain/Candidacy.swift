import Foundation

/// Marker for candidacy rule set identifiers.
public enum CandidacyRuleSetTag {}
public typealias CandidacyRuleSetID = Identifier<CandidacyRuleSetTag>

/// A payer's candidacy policy as data: versioned, never edited in place (a change is a new version).
public struct CandidacyRuleSet: Hashable, Sendable {
    public let id: CandidacyRuleSetID
    public let name: String
    public let version: Int
    /// The payer this set applies to; nil for the clinic-wide default.
    public let payer: String?
    public let parameters: CandidacyParameters

    public init(id: CandidacyRuleSetID, name: String, version: Int, payer: String?, parameters: CandidacyParameters) {
        self.id = id
        self.name = name
        self.version = version
        self.payer = payer
        self.parameters = parameters
    }
}

/// The numbers and switches a payer's policy sets.
public struct CandidacyParameters: Hashable, Sendable, Codable {
    /// Highest and lowest treatable levels, e.g. T1-L5 (Medicare) or T5-L5 (some payers).
    public var highestLevel: String
    public var lowestLevel: String
    public var minimumPainHospitalised: Int
    public var minimumPainOutpatient: Int
    /// Of further height loss, >25% height loss, kyphotic deformity and Roland-Morris > 17,
    /// how many a stable (not worsening) outpatient's pain needs.
    public var stablePainCriteriaRequired: Int
    public var conservativeCareWeeks: Int
    /// More levels in one session fail the rule (myeloma exempt when `myelomaExempt`).
    public var maximumLevelsPerSession: Int
    public var myelomaExempt: Bool
    public var pregnancyIsAbsolute: Bool
    /// Height loss above which balloon kyphoplasty is technically hard: a warning, not a failure.
    public var severeCollapseWarningPercent: Double
    public var maximumINR: Double
    public var minimumPlatelets: Double
    /// The payer wants prior authorization before a procedure is confirmed.
    public var requiresPriorAuthorization: Bool

    public init(
        highestLevel: String = "T1", lowestLevel: String = "L5", minimumPainHospitalised: Int = 8,
        minimumPainOutpatient: Int = 5, stablePainCriteriaRequired: Int = 2, conservativeCareWeeks: Int = 4,
        maximumLevelsPerSession: Int = 3, myelomaExempt: Bool = true, pregnancyIsAbsolute: Bool = true,
        severeCollapseWarningPercent: Double = 70, maximumINR: Double = 1.5, minimumPlatelets: Double = 50,
        requiresPriorAuthorization: Bool = false
    ) {
        self.requiresPriorAuthorization = requiresPriorAuthorization
        self.highestLevel = highestLevel
        self.lowestLevel = lowestLevel
        self.minimumPainHospitalised = minimumPainHospitalised
        self.minimumPainOutpatient = minimumPainOutpatient
        self.stablePainCriteriaRequired = stablePainCriteriaRequired
        self.conservativeCareWeeks = conservativeCareWeeks
        self.maximumLevelsPerSession = maximumLevelsPerSession
        self.myelomaExempt = myelomaExempt
        self.pregnancyIsAbsolute = pregnancyIsAbsolute
        self.severeCollapseWarningPercent = severeCollapseWarningPercent
        self.maximumINR = maximumINR
        self.minimumPlatelets = minimumPlatelets
    }

    /// The default, after the Medicare local coverage policy for vertebral augmentation.
    public static let medicareDefault = CandidacyParameters()
    /// A stricter commercial example: T5-L5, at most 2 levels, 6 weeks of conservative care, NRS >= 7.
    public static let commercialExample = CandidacyParameters(
        highestLevel: "T5", lowestLevel: "L5", minimumPainOutpatient: 7, conservativeCareWeeks: 6,
        maximumLevelsPerSession: 2, myelomaExempt: false, requiresPriorAuthorization: true)

    private enum CodingKeys: String, CodingKey {
        case highestLevel, lowestLevel, minimumPainHospitalised, minimumPainOutpatient, stablePainCriteriaRequired,
            conservativeCareWeeks, maximumLevelsPerSession, myelomaExempt, pregnancyIsAbsolute,
            severeCollapseWarningPercent,
            maximumINR, minimumPlatelets, requiresPriorAuthorization
    }

    /// Versions stored before prior authorization existed read as not requiring it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            highestLevel: try c.decode(String.self, forKey: .highestLevel),
            lowestLevel: try c.decode(String.self, forKey: .lowestLevel),
            minimumPainHospitalised: try c.decode(Int.self, forKey: .minimumPainHospitalised),
            minimumPainOutpatient: try c.decode(Int.self, forKey: .minimumPainOutpatient),
            stablePainCriteriaRequired: try c.decode(Int.self, forKey: .stablePainCriteriaRequired),
            conservativeCareWeeks: try c.decode(Int.self, forKey: .conservativeCareWeeks),
            maximumLevelsPerSession: try c.decode(Int.self, forKey: .maximumLevelsPerSession),
            myelomaExempt: try c.decode(Bool.self, forKey: .myelomaExempt),
            pregnancyIsAbsolute: try c.decode(Bool.self, forKey: .pregnancyIsAbsolute),
            severeCollapseWarningPercent: try c.decode(Double.self, forKey: .severeCollapseWarningPercent),
            maximumINR: try c.decode(Double.self, forKey: .maximumINR),
            minimumPlatelets: try c.decode(Double.self, forKey: .minimumPlatelets),
            requiresPriorAuthorization: try c.decodeIfPresent(Bool.self, forKey: .requiresPriorAuthorization) ?? false)
    }

    /// Checks the parameters make sense; pointers are relative to the parameters object.
    public func validate() throws {
        var collector = ViolationCollector()
        let high = collector.check("/highestLevel") { try VertebralLevel(highestLevel) }
        let low = collector.check("/lowestLevel") { try VertebralLevel(lowestLevel) }
        if let high, let low, high > low { collector.add("/lowestLevel", "must be at or below the highest level") }
        if !(0...10).contains(minimumPainHospitalised) {
            collector.add("/minimumPainHospitalised", "must be from 0 to 10")
        }
        if !(0...10).contains(minimumPainOutpatient) { collector.add("/minimumPainOutpatient", "must be from 0 to 10") }
        if !(0...4).contains(stablePainCriteriaRequired) {
            collector.add("/stablePainCriteriaRequired", "must be from 0 to 4")
        }
        if !(0...52).contains(conservativeCareWeeks) { collector.add("/conservativeCareWeeks", "must be from 0 to 52") }
        if !(1...10).contains(maximumLevelsPerSession) {
            collector.add("/maximumLevelsPerSession", "must be from 1 to 10")
        }
        if !(severeCollapseWarningPercent > 0 && severeCollapseWarningPercent <= 100) {
            collector.add("/severeCollapseWarningPercent", "must be above 0 and at most 100")
        }
        if !(maximumINR >= 0.8 && maximumINR <= 5) { collector.add("/maximumINR", "must be from 0.8 to 5") }
        if !(minimumPlatelets >= 0 && minimumPlatelets <= 1000) {
            collector.add("/minimumPlatelets", "must be from 0 to 1000")
        }
        try collector.throwIfAny()
    }
}

/// Anesthesia plan: general needs an anesthesia provider.
public enum AnesthesiaPlan: String, CaseIterable, Sendable, Codable {
    case localWithSedation = "local_with_sedation"
    case general
}

/// Blood thinners that must be held before a high bleeding-risk procedure.
public enum Anticoagulant: String, CaseIterable, Sendable, Codable {
    case warfarin, doac, clopidogrel, lmwh, none

    /// Days before the procedure the drug is stopped (DOMAIN: warfarin 5, DOAC 2-3, clopidogrel 7, LMWH 24 h).
    public var holdDays: Int {
        switch self {
        case .warfarin: 5
        case .doac: 3
        case .clopidogrel: 7
        case .lmwh: 1
        case .none: 0
        }
    }
}

/// The contraindications checklist; nil means "not assessed", never "absent".
public struct ContraindicationChecklist: Hashable, Sendable, Codable {
    // Absolute
    public var backPainNotFromFracture: Bool?
    public var activeInfection: Bool?
    public var pregnancy: Bool?
    // Relative
    public var cementOrContrastAllergy: Bool?
    public var uncorrectedCoagulopathy: Bool?
    public var spinalInstability: Bool?
    public var myelopathy: Bool?
    public var neurologicalDeficit: Bool?
    public var nerveImpingement: Bool?
    public var retropulsion: Bool?

    public init(
        backPainNotFromFracture: Bool? = nil, activeInfection: Bool? = nil, pregnancy: Bool? = nil,
        cementOrContrastAllergy: Bool? = nil, uncorrectedCoagulopathy: Bool? = nil, spinalInstability: Bool? = nil,
        myelopathy: Bool? = nil, neurologicalDeficit: Bool? = nil, nerveImpingement: Bool? = nil,
        retropulsion: Bool? = nil
    ) {
        self.backPainNotFromFracture = backPainNotFromFracture
        self.activeInfection = activeInfection
        self.pregnancy = pregnancy
        self.cementOrContrastAllergy = cementOrContrastAllergy
        self.uncorrectedCoagulopathy = uncorrectedCoagulopathy
        self.spinalInstability = spinalInstability
        self.myelopathy = myelopathy
        self.neurologicalDeficit = neurologicalDeficit
        self.nerveImpingement = nerveImpingement
        self.retropulsion = retropulsion
    }

    /// None of them present, every one assessed.
    public static let noneFound = ContraindicationChecklist(
        backPainNotFromFracture: false, activeInfection: false, pregnancy: false, cementOrContrastAllergy: false,
        uncorrectedCoagulopathy: false, spinalInstability: false, myelopathy: false, neurologicalDeficit: false,
        nerveImpingement: false, retropulsion: false)
}

/// Conservative care tried before the visit.
public struct ConservativeCare: Hashable, Sendable, Codable {
    public var medication: Bool
    public var rest: Bool
    public var bracing: Bool
    public var physicalTherapy: Bool
    /// Weeks of the trial; nil when not recorded.
    public var weeks: Int?

    public init(
        medication: Bool = false, rest: Bool = false, bracing: Bool = false, physicalTherapy: Bool = false,
        weeks: Int? = nil
    ) {
        self.medication = medication
        self.rest = rest
        self.bracing = bracing
        self.physicalTherapy = physicalTherapy
        self.weeks = weeks
    }

    public var anyTried: Bool { medication || rest || bracing || physicalTherapy }
}

/// What the spine specialist records at the evaluation visit. Optional fields left nil are
/// "not known" and make their rule not-known: an unknown is never a silent pass.
public struct EvaluationFindings: Hashable, Sendable, Codable {
    public var painNRS: Int?
    public var hospitalised: Bool?
    public var painWorsening: Bool?
    public var furtherHeightLoss: Bool?
    public var kyphoticDeformity: Bool?
    public var rolandMorris: Int?
    public var painFromTargetFracture: Bool?
    public var conservativeCare: ConservativeCare?
    public var contraindications: ContraindicationChecklist
    public var boneDensityReferral: Bool?
    public var osteoporosisEducation: Bool?
    public var myeloma: Bool?
    public var levels: [VertebralLevel]
    public var anesthesia: AnesthesiaPlan
    public var anticoagulant: Anticoagulant
    public var inr: Double?
    public var platelets: Double?

    public init(
        painNRS: Int? = nil, hospitalised: Bool? = nil, painWorsening: Bool? = nil, furtherHeightLoss: Bool? = nil,
        kyphoticDeformity: Bool? = nil, rolandMorris: Int? = nil, painFromTargetFracture: Bool? = nil,
        conservativeCare: ConservativeCare? = nil,
        contraindications: ContraindicationChecklist = ContraindicationChecklist(),
        boneDensityReferral: Bool? = nil, osteoporosisEducation: Bool? = nil, myeloma: Bool? = nil,
        levels: [VertebralLevel], anesthesia: AnesthesiaPlan = .localWithSedation, anticoagulant: Anticoagulant = .none,
        inr: Double? = nil, platelets: Double? = nil
    ) {
        self.painNRS = painNRS
        self.hospitalised = hospitalised
        self.painWorsening = painWorsening
        self.furtherHeightLoss = furtherHeightLoss
        self.kyphoticDeformity = kyphoticDeformity
        self.rolandMorris = rolandMorris
        self.painFromTargetFracture = painFromTargetFracture
        self.conservativeCare = conservativeCare
        self.contraindications = contraindications
        self.boneDensityReferral = boneDensityReferral
        self.osteoporosisEducation = osteoporosisEducation
        self.myeloma = myeloma
        self.levels = levels
        self.anesthesia = anesthesia
        self.anticoagulant = anticoagulant
        self.inr = inr
        self.platelets = platelets
    }

    /// Range checks on the numbers and levels; pointers relative to the evaluation body.
    public func validate() throws {
        var collector = ViolationCollector()
        if let pain = painNRS, !(0...10).contains(pain) { collector.add("/painNRS", "must be from 0 to 10") }
        if let score = rolandMorris, !(0...24).contains(score) {
            collector.add("/rolandMorris", "must be from 0 to 24")
        }
        if let weeks = conservativeCare?.weeks, !(0...520).contains(weeks) {
            collector.add("/conservativeCare/weeks", "must be from 0 to 520")
        }
        if levels.isEmpty { collector.add("/levels", "must name at least one level to treat") }
        if levels.count > 10 { collector.add("/levels", "must name at most 10 levels") }
        if Set(levels).count != levels.count { collector.add("/levels", "names a level twice") }
        if let inr, !(inr.isFinite && inr > 0 && inr < 20) { collector.add("/inr", "must be above 0 and below 20") }
        if let platelets, !(platelets.isFinite && platelets >= 0 && platelets < 5000) {
            collector.add("/platelets", "must be from 0 to 5000 (x10^9/L)")
        }
        try collector.throwIfAny()
    }
}
