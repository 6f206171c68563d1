import ClinicDomain
import ClinicServices
import Foundation

/// The local coding system `99VCF` (vertebral compression fracture) in which a radiology
/// system reports per-level findings as coded OBX segments of an ORU^R01.
///
/// One OBX per observation, in the ORDER_OBSERVATION group (after the OBR) of the study:
///
/// - OBX-3 `<code>^<text>^99VCF`: the code below; the text is free; OBX-3.3 must be `99VCF`.
/// - OBX-4 (sub-ID): the vertebral level as reported, C1-C7, T1-T12, L1-L5 or S1.
/// - OBX-5: the value, as below (first repetition; codes are case-insensitive).
/// - OBX-11: W (wrong) or D (deleted) makes the OBX ignored.
///
/// | Code           | OBX-2         | OBX-5                                               | When absent |
/// |----------------|---------------|-----------------------------------------------------|-------------|
/// | `HEIGHTLOSS`   | NM            | vertebral height loss in percent, 0 to 100 (OBX-6 `%`) | required |
/// | `MORPHOLOGY`   | CWE, CE or ST | `wedge`, `biconcave` or `crush` (OBX-5.1, else OBX-5.2) | not stated |
/// | `EDEMA`        | CWE, CE or ST | `present`, `absent`, `unknown`; also `Y`, `N`, `U`   | `unknown`   |
/// | `RETROPULSION` | CWE, CE or ST | `Y`/`N` (also `yes`/`no`, `true`/`false`)            | `N`         |
/// | `MALIGNANCY`   | CWE, CE or ST | `Y`/`N`: suspected malignancy (pathologic fracture)   | `N`         |
/// | `INFECTION`    | CWE, CE or ST | `Y`/`N`: suspected infection                          | `N`         |
///
/// One finding per distinct level, in the order the levels first appear. Each level mentioned
/// needs a `HEIGHTLOSS`; an unknown code, a bad value, an observation sent twice for one level,
/// or a level without `HEIGHTLOSS` makes the message AE, naming the OBX.
///
/// Example, L1 with a 30% wedge fracture and STIR edema:
/// ```
/// OBX|5|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|30|%|||||F
/// OBX|6|CWE|MORPHOLOGY^Fracture morphology^99VCF|L1|wedge^Wedge^99VCF||||||F
/// OBX|7|CWE|EDEMA^Marrow edema^99VCF|L1|present^Present^99VCF||||||F
/// ```
public enum HL7VertebralFindings {
    /// The coding system name in OBX-3.3.
    public static let codingSystem = "99VCF"

    /// The observation codes of `99VCF`, as written in OBX-3.1.
    public enum Code: String, Sendable, CaseIterable {
        case heightLoss = "HEIGHTLOSS"
        case morphology = "MORPHOLOGY"
        case edema = "EDEMA"
        case retropulsion = "RETROPULSION"
        case malignancy = "MALIGNANCY"
        case infection = "INFECTION"
    }

    /// Whether an OBX is in this coding system.
    static func isCoded(_ obx: HL7Segment) -> Bool {
        let system = (try? obx.field(3).component(3)) ?? ""
        return system.trimmingCharacters(in: .whitespaces).uppercased() == codingSystem
    }

    /// Gathers the coded OBXs of one OBR into findings.
    struct Collector {
        private struct Level {
            let firstOBX: HL7Segment
            var seen: Set<Code> = []
            var heightLoss: Double?
            var morphology: FractureMorphology?
            var edema: EdemaFinding = .unknown
            var retropulsion = false
            var malignancy = false
            var infection = false
        }

        private var order: [String] = []
        private var levels: [String: Level] = [:]

        mutating func add(_ obx: HL7Segment) throws(HL7Rejection) {
            let codeText = try obx.field(3).component(1).trimmingCharacters(in: .whitespaces)
            guard let code = Code(rawValue: codeText.uppercased()) else {
                throw .error(
                    .tableValueNotFound, at: obx.location(field: 3, component: 1),
                    "\(obx.location(field: 3)) code \(quoted(codeText)) is not in 99VCF; expected one of "
                        + Code.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let levelText = try obx.field(4).text.trimmingCharacters(in: .whitespaces)
            guard !levelText.isEmpty else {
                throw .error(
                    .requiredFieldMissing, at: obx.location(field: 4),
                    "\(obx.location(field: 4)) sub-ID must name the vertebral level of \(code.rawValue)")
            }
            guard let level = try? VertebralLevel(levelText) else {
                throw .error(
                    .tableValueNotFound, at: obx.location(field: 4),
                    "\(obx.location(field: 4)) vertebral level must be C1-C7, T1-T12, L1-L5 or S1; got \(quoted(levelText))"
                )
            }
            let key = level.description
            var entry = levels[key] ?? Level(firstOBX: obx)
            if levels[key] == nil { order.append(key) }
            guard entry.seen.insert(code).inserted else {
                throw .error(
                    .duplicateKeyIdentifier, at: obx.location(field: 3),
                    "\(obx.location(field: 3)) reports \(code.rawValue) for \(key) a second time in this OBR")
            }
            let value = obx.field(5).first
            let primary = try value.component(1).trimmingCharacters(in: .whitespaces)
            let place = obx.location(field: 5)
            let secondary = try value.component(2).trimmingCharacters(in: .whitespaces)
            guard !primary.isEmpty || !secondary.isEmpty else {
                throw .error(.requiredFieldMissing, at: place, "\(place) value of \(code.rawValue) at \(key) is empty")
            }
            switch code {
            case .heightLoss:
                guard let percent = Self.percent(primary) else {
                    throw .error(
                        .dataTypeError, at: place,
                        "\(place) HEIGHTLOSS at \(key) must be a percent from 0 to 100; got \(quoted(primary))")
                }
                entry.heightLoss = percent
            case .morphology:
                entry.morphology = try Self.lookUp(value, place, code, key) {
                    FractureMorphology(rawValue: $0)
                }
            case .edema:
                entry.edema = try Self.lookUp(value, place, code, key) { word in
                    switch word {
                    case "y": .present
                    case "n": .absent
                    case "u": .unknown
                    default: EdemaFinding(rawValue: word)
                    }
                }
            case .retropulsion: entry.retropulsion = try Self.lookUp(value, place, code, key, Self.flag)
            case .malignancy: entry.malignancy = try Self.lookUp(value, place, code, key, Self.flag)
            case .infection: entry.infection = try Self.lookUp(value, place, code, key, Self.flag)
            }
            levels[key] = entry
        }

        /// The findings in the order their levels first appeared.
        func findings() throws(HL7Rejection) -> [ImagingResultDraft.FindingDraft] {
            var findings: [ImagingResultDraft.FindingDraft] = []
            for key in order {
                guard let entry = levels[key] else { continue }
                guard let heightLoss = entry.heightLoss else {
                    let place = entry.firstOBX.location(field: 3)
                    throw .error(
                        .requiredFieldMissing, at: place,
                        "\(key) has 99VCF observations (first at \(place)) but no HEIGHTLOSS; each level needs its height loss in percent"
                    )
                }
                findings.append(
                    ImagingResultDraft.FindingDraft(
                        level: key, heightLossPercent: heightLoss, morphology: entry.morphology, edema: entry.edema,
                        retropulsion: entry.retropulsion, suspectedMalignancy: entry.malignancy,
                        suspectedInfection: entry.infection))
            }
            return findings
        }

        /// A table value from OBX-5.1, or from OBX-5.2 when the code does not match.
        private static func lookUp<Value>(
            _ value: HL7Repetition, _ place: HL7Location, _ code: Code, _ level: String,
            _ match: (String) -> Value?
        ) throws(HL7Rejection) -> Value {
            let first = try value.component(1).trimmingCharacters(in: .whitespaces)
            let second = try value.component(2).trimmingCharacters(in: .whitespaces)
            for candidate in [first, second] where !candidate.isEmpty {
                if let found = match(candidate.lowercased()) { return found }
            }
            throw .error(
                .tableValueNotFound, at: place,
                "\(place) \(code.rawValue) at \(level) must be \(expected(code)); got \(quoted(first.isEmpty ? second : first))"
            )
        }

        private static func flag(_ word: String) -> Bool? {
            switch word {
            case "y", "yes", "true": true
            case "n", "no", "false": false
            default: nil
            }
        }

        private static func expected(_ code: Code) -> String {
            switch code {
            case .heightLoss: "a percent from 0 to 100"
            case .morphology: "wedge, biconcave or crush"
            case .edema: "present, absent, unknown, Y, N or U"
            case .retropulsion, .malignancy, .infection: "Y or N"
            }
        }

        /// An HL7 NM: optional sign, digits, optional decimal point; no exponents, no NaN.
        static func percent(_ text: String) -> Double? {
            var body = Substring(text)
            if body.first == "+" || body.first == "-" { body = body.dropFirst() }
            let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard !body.isEmpty, body.count <= 20, parts.contains(where: { !$0.isEmpty }),
                parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                let number = Double(text), number.isFinite, (0...100).contains(number)
            else { return nil }
            return number
        }
    }

    static func quoted(_ value: String) -> String {
        value.isEmpty ? "nothing" : HL7Escaping.shortened(value)
    }
}
