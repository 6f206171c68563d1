import Foundation

/// A code of a published code system with its display text.
public struct BillingCode: Hashable, Sendable {
    public let code: String
    public let display: String

    public init(code: String, display: String) {
        self.code = code
        self.display = display
    }
}

/// The CPT and ICD-10-CM codes DOMAIN.md names for vertebral augmentation and its diagnosis:
/// what other systems (FHIR readers, billing) expect on a referral and a procedure.
public enum BillingCodes {
    public static let cptSystem = "http://www.ama-assn.org/go/cpt"
    public static let icd10System = "http://hl7.org/fhir/sid/icd-10-cm"

    public static let kyphoplastyThoracic = BillingCode(
        code: "22513", display: "Percutaneous vertebral augmentation (kyphoplasty), first level, thoracic")
    public static let kyphoplastyLumbosacral = BillingCode(
        code: "22514", display: "Percutaneous vertebral augmentation (kyphoplasty), first level, lumbosacral")
    public static let kyphoplastyEachAdditional = BillingCode(
        code: "22515", display: "Percutaneous vertebral augmentation (kyphoplasty), each additional level")

    /// The CPT codes of one session treating `levels`: the first level's code by its region
    /// (22513 thoracic, 22514 lumbar or sacral) and 22515 once for each further level, in order
    /// from the skull down. Cervical levels have no kyphoplasty code and are left out.
    public static func kyphoplasty(levels: [VertebralLevel]) -> [BillingCode] {
        let treatable = Set(levels).filter { $0.region != .cervical }.sorted()
        guard let first = treatable.first else { return [] }
        let primary = first.region == .thoracic ? kyphoplastyThoracic : kyphoplastyLumbosacral
        return [primary] + Array(repeating: kyphoplastyEachAdditional, count: treatable.count - 1)
    }

    /// The ICD-10-CM diagnosis a referral's flags support, initial encounter: an osteoporotic
    /// fracture (M80.08XA) with known osteoporosis, a pathological fracture in neoplastic disease
    /// (M84.58XA; the cancer's own C code is the referring clinician's to add) with a cancer
    /// history, otherwise a collapsed vertebra not elsewhere classified (M48.50XA).
    public static func diagnosis(_ flags: ClinicalFlags) -> BillingCode {
        if flags.cancerHistory {
            return BillingCode(
                code: "M84.58XA",
                display: "Pathological fracture in neoplastic disease, other specified site, initial encounter")
        }
        if flags.knownOsteoporosis {
            return BillingCode(
                code: "M80.08XA",
                display: "Age-related osteoporosis with current pathological fracture, vertebra(e), initial encounter")
        }
        return BillingCode(
            code: "M48.50XA",
            display: "Collapsed vertebra, not elsewhere classified, site unspecified, initial encounter")
    }
}
