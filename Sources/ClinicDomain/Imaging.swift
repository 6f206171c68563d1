import Foundation

/// Marker for imaging result identifiers.
public enum ImagingResultTag {}
public typealias ImagingResultID = Identifier<ImagingResultTag>

/// A vertebral level as a radiologist names it, C1 to S1.
///
/// Kept as reported with its study: transitional anatomy means "L1" in two studies may not be
/// the same bone, so levels are never merged across studies.
public struct VertebralLevel: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Region: String, Sendable {
        case cervical = "C"
        case thoracic = "T"
        case lumbar = "L"
        case sacral = "S"
    }

    public let region: Region
    public let number: Int

    public init(_ code: String) throws {
        let text = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard let first = text.first, let region = Region(rawValue: String(first)), let number = Int(text.dropFirst()),
            String(number) == text.dropFirst(), Self.range(of: region).contains(number)
        else {
            throw ValidationError(pointer: "", message: "must be a vertebral level from C1-C7, T1-T12, L1-L5 or S1")
        }
        self.region = region
        self.number = number
    }

    private static func range(of region: Region) -> ClosedRange<Int> {
        switch region {
        case .cervical: 1...7
        case .thoracic: 1...12
        case .lumbar: 1...5
        case .sacral: 1...1
        }
    }

    /// Position from the skull down: C1 = 0 ... S1 = 24.
    public var ordinal: Int {
        switch region {
        case .cervical: number - 1
        case .thoracic: 7 + number - 1
        case .lumbar: 19 + number - 1
        case .sacral: 24
        }
    }

    public var description: String { region.rawValue + String(number) }

    public static func < (lhs: VertebralLevel, rhs: VertebralLevel) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// Genant semi-quantitative grade, derived from vertebral height loss.
public enum GenantGrade: Int, Sendable, Hashable, Comparable {
    /// Under 20%: not a fracture by this measure.
    case normal = 0
    /// 20-25%.
    case mild = 1
    /// 25-40%.
    case moderate = 2
    /// Over 40%.
    case severe = 3

    public init(heightLossPercent: Double) {
        switch heightLossPercent {
        case ..<20: self = .normal
        case ..<25: self = .mild
        case ...40: self = .moderate
        default: self = .severe
        }
    }

    public static func < (lhs: GenantGrade, rhs: GenantGrade) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum FractureMorphology: String, CaseIterable, Sendable, Codable { case wedge, biconcave, crush }

/// Marrow edema (MRI STIR/T2) or uptake (bone scan) at a level.
public enum EdemaFinding: String, CaseIterable, Sendable, Codable { case present, absent, unknown }

public enum Modality: String, CaseIterable, Sendable, Codable {
    case xRay = "XR"
    case mri = "MR"
    case ct = "CT"
    /// Nuclear medicine bone scan.
    case boneScan = "NM"

    /// Whether this modality can show that a fracture is recent (edema on MRI, uptake on a bone scan).
    public var showsAcuity: Bool { self == .mri || self == .boneScan }
}

/// Report status, in the order revisions may arrive.
public enum ResultStatus: String, CaseIterable, Sendable, Codable, Comparable {
    case preliminary, final, corrected, cancelled

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: ResultStatus, rhs: ResultStatus) -> Bool { lhs.rank < rhs.rank }
}

/// Whether imaging shows the fracture is recent enough for augmentation to help.
public enum Acuity: String, Sendable, Hashable {
    case recent
    case notRecent = "not_recent"
    /// Plain X-ray or CT, or edema not assessed: a deformity alone does not show a recent fracture.
    case unknown
}

/// What a study reports at one level.
public struct VertebralFinding: Hashable, Sendable {
    public let level: VertebralLevel
    public let heightLossPercent: Double
    public let morphology: FractureMorphology?
    public let edema: EdemaFinding
    public let retropulsion: Bool
    public let suspectedMalignancy: Bool
    public let suspectedInfection: Bool

    public init(
        level: VertebralLevel, heightLossPercent: Double, morphology: FractureMorphology?, edema: EdemaFinding,
        retropulsion: Bool, suspectedMalignancy: Bool, suspectedInfection: Bool
    ) throws {
        guard heightLossPercent.isFinite, (0...100).contains(heightLossPercent) else {
            throw ValidationError(pointer: "/heightLossPercent", message: "must be from 0 to 100")
        }
        self.level = level
        self.heightLossPercent = heightLossPercent
        self.morphology = morphology
        self.edema = edema
        self.retropulsion = retropulsion
        self.suspectedMalignancy = suspectedMalignancy
        self.suspectedInfection = suspectedInfection
    }

    public var genantGrade: GenantGrade { GenantGrade(heightLossPercent: heightLossPercent) }

    public func acuity(on modality: Modality) -> Acuity {
        guard modality.showsAcuity else { return .unknown }
        switch edema {
        case .present: return .recent
        case .absent: return .notRecent
        case .unknown: return .unknown
        }
    }
}

/// A radiology result as stored: one accession from one source system, at its current revision.
public struct ImagingResult: Hashable, Sendable {
    public let id: ImagingResultID
    public let clinicID: ClinicID
    public let patient: Patient
    public let sourceSystem: String
    public let accessionNumber: String
    public let status: ResultStatus
    public let modality: Modality
    public let performedAt: Date
    public let impression: String
    public let findings: [VertebralFinding]
    public let revision: Int
    public let receivedAt: Date

    public init(
        id: ImagingResultID, clinicID: ClinicID, patient: Patient, sourceSystem: String, accessionNumber: String,
        status: ResultStatus, modality: Modality, performedAt: Date, impression: String,
        findings: [VertebralFinding], revision: Int, receivedAt: Date
    ) {
        self.id = id
        self.clinicID = clinicID
        self.patient = patient
        self.sourceSystem = sourceSystem
        self.accessionNumber = accessionNumber
        self.status = status
        self.modality = modality
        self.performedAt = performedAt
        self.impression = impression
        self.findings = findings
        self.revision = revision
        self.receivedAt = receivedAt
    }
}

extension VertebralLevel: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a vertebral level"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
