import ClinicDomain
import Testing

@Suite("CPT and ICD-10-CM codes")
struct BillingCodeTests {
    static func levels(_ names: String...) -> [VertebralLevel] { names.map { try! VertebralLevel($0) } }

    @Test("one lumbar level is 22514; one thoracic level is 22513")
    func singleLevel() {
        #expect(BillingCodes.kyphoplasty(levels: Self.levels("L1")).map(\.code) == ["22514"])
        #expect(BillingCodes.kyphoplasty(levels: Self.levels("T12")).map(\.code) == ["22513"])
    }

    @Test("T12 and L1 in one session: the first level's code, then 22515 for the other")
    func additionalLevels() {
        #expect(BillingCodes.kyphoplasty(levels: Self.levels("L1", "T12")).map(\.code) == ["22513", "22515"])
        #expect(
            BillingCodes.kyphoplasty(levels: Self.levels("T11", "T12", "L1")).map(\.code) == [
                "22513", "22515", "22515",
            ])
    }

    @Test("a level named twice is billed once; cervical levels have no kyphoplasty code")
    func duplicatesAndCervical() {
        #expect(BillingCodes.kyphoplasty(levels: Self.levels("L1", "L1")).map(\.code) == ["22514"])
        #expect(BillingCodes.kyphoplasty(levels: Self.levels("C5")).isEmpty)
        #expect(BillingCodes.kyphoplasty(levels: []).isEmpty)
    }

    @Test("known osteoporosis codes M80.08XA, a cancer history M84.58XA, otherwise M48.50XA")
    func diagnosis() {
        #expect(BillingCodes.diagnosis(ClinicalFlags(knownOsteoporosis: true)).code == "M80.08XA")
        #expect(BillingCodes.diagnosis(ClinicalFlags(cancerHistory: true, knownOsteoporosis: true)).code == "M84.58XA")
        #expect(BillingCodes.diagnosis(ClinicalFlags()).code == "M48.50XA")
    }
}
