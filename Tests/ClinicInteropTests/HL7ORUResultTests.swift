import ClinicDomain
import ClinicInterop
import ClinicServices
import Foundation
import Testing

@Suite("ORU^R01 radiology results")
struct HL7ORUResultTests {
    private let denver = TimeZone(identifier: "America/Denver") ?? .gmt
    private typealias Sample = HL7SampleMessages

    private func read(_ text: String) throws -> ORUResult {
        try ORUResult(message: HL7Message(parsing: text), zone: denver)
    }

    private func rejection(_ text: String) -> HL7Rejection? {
        hl7Rejection { try ORUResult(message: HL7Message(parsing: text), zone: denver) }
    }

    private func message(obr: String = Sample.obr, observations: [String] = Sample.l1Findings) -> String {
        Sample.join([Sample.msh, Sample.pid, obr] + observations)
    }

    private func instant(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test("a final MRI report gives the patient, the study and the L1 finding")
    func readsFinalMRIReport() throws {
        let oru = try read(Sample.finalMRI)
        #expect(oru.header.controlID == "MSG20250314-0001")
        #expect(oru.sourceSystem == "MERCY RAD")
        #expect(
            oru.patient
                == ReferralDraft.PatientDraft(
                    mrn: "MRN-448812", givenName: "MARGARET", familyName: "HALVORSEN", birthDate: "1956-11-04",
                    sex: .female))
        let result = try #require(oru.results.only)
        #expect(result.accessionNumber == "ACC-2025-0311")
        #expect(result.status == .final)
        #expect(result.modality == .mri)
        #expect(result.performedAt == (try instant("2025-03-14T15:30:00Z")))
        #expect(
            result.impression
                == "Acute L1 compression fracture with approximately 30% anterior height loss.\n"
                + "STIR hyperintense marrow edema at L1, consistent with a recent fracture.")
        #expect(
            result.findings == [
                ImagingResultDraft.FindingDraft(level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present)
            ])
    }

    @Test("the header can be read and checked before the clinic's time zone is known")
    func readsHeaderAlone() throws {
        let header = try ORUResult.header(of: HL7Message(parsing: Sample.finalMRI))
        #expect(header.sendingApplication == "RADIS")
        #expect(header.sendingFacility == "MERCY RAD")
        #expect(header.receivingApplication == "CLINIC")
        #expect(header.receivingFacility == "SPINE CLINIC")
        #expect(header.messageTime == "20250314101500-0600")
        #expect(header.messageType == "ORU^R01^ORU_R01")
        #expect(header.processingID == "P")
        #expect(header.version == "2.5.1")
        #expect(header.characterSet == "UNICODE UTF-8")
    }

    @Test("the draft carries the result to imaging intake unchanged")
    func buildsIntakeDraft() throws {
        let oru = try read(Sample.finalMRI)
        let result = try #require(oru.results.first)
        let draft = oru.draft(clinicID: "7d0c6f5e-2b7a-4f55-9a54-0c1d7c9e6a11", result: result)
        #expect(draft.clinicID == "7d0c6f5e-2b7a-4f55-9a54-0c1d7c9e6a11")
        #expect(draft.sourceSystem == "MERCY RAD")
        #expect(draft.accessionNumber == "ACC-2025-0311")
        #expect(draft.patient.mrn == "MRN-448812")
        #expect(draft.findings == result.findings)
        #expect(oru.drafts(clinicID: "c").count == 1)
    }

    @Test("the sending application is the source system when MSH-4 is empty")
    func fallsBackToSendingApplication() throws {
        let text = Sample.join([Sample.msh(replacing: 4, with: ""), Sample.pid, Sample.obr] + Sample.l1Findings)
        #expect(try read(text).sourceSystem == "RADIS")
    }

    @Test("PID-3 gives the identifier typed MR, wherever it repeats")
    func choosesMedicalRecordNumber() throws {
        #expect(try read(Sample.finalMRI).patient.mrn == "MRN-448812")
    }

    @Test("PID-3 gives its first identifier when none is typed MR")
    func fallsBackToFirstIdentifier() throws {
        let pid = Sample.replacing(3, of: Sample.pid, with: "0099812^^^MERCY^PI~555-22-1111^^^SSA^SS")
        let text = Sample.join([Sample.msh, pid, Sample.obr] + Sample.l1Findings)
        #expect(try read(text).patient.mrn == "0099812")
    }

    @Test("PID-7 may carry a time, which is ignored")
    func ignoresBirthTime() throws {
        let pid = Sample.replacing(7, of: Sample.pid, with: "195611040715")
        #expect(try read(Sample.join([Sample.msh, pid, Sample.obr])).patient.birthDate == "1956-11-04")
    }

    @Test("PID-7 that is not YYYYMMDD is AE 102, saying what was sent")
    func refusesBadBirthDate() {
        let pid = Sample.replacing(7, of: Sample.pid, with: "1958-13-40")
        let rejection = rejection(Sample.join([Sample.msh, pid, Sample.obr]))
        #expect(rejection?.acknowledgement == .error)
        #expect(rejection?.errorCode == .dataTypeError)
        #expect(rejection?.location == HL7Location(segment: "PID", field: 7))
        #expect(rejection?.text == "PID-7 birth date must be YYYYMMDD; got 1958-13-40")
    }

    @Test("PID-8 F, M, O, U, A and N map to the administrative sexes; empty is unknown")
    func mapsAdministrativeSex() throws {
        let expected: [String: AdministrativeSex] = [
            "F": .female, "M": .male, "O": .other, "U": .unknown, "A": .other, "N": .unknown, "": .unknown,
        ]
        for (code, sex) in expected {
            let pid = Sample.replacing(8, of: Sample.pid, with: code)
            #expect(try read(Sample.join([Sample.msh, pid, Sample.obr])).patient.sex == sex, "\(code)")
        }
    }

    @Test("OBR-25 P is preliminary and C is a correction of it")
    func mapsResultStatus() throws {
        let preliminary = Sample.replacing(25, of: Sample.obr, with: "P")
        let corrected = Sample.replacing(25, of: Sample.obr, with: "C")
        let cancelled = Sample.replacing(25, of: Sample.obr, with: "X")
        #expect(try read(message(obr: preliminary)).results.first?.status == .preliminary)
        #expect(try read(message(obr: corrected)).results.first?.status == .corrected)
        #expect(try read(message(obr: cancelled)).results.first?.status == .cancelled)
    }

    @Test("an unknown OBR-25 result status is AE 103 at OBR-25")
    func refusesUnknownResultStatus() {
        let rejection = rejection(message(obr: Sample.replacing(25, of: Sample.obr, with: "Z")))
        #expect(rejection?.acknowledgement == .error)
        #expect(rejection?.errorCode == .tableValueNotFound)
        #expect(rejection?.location == HL7Location(segment: "OBR", field: 25))
    }

    @Test("a missing OBR-18 accession number is AE 101 at OBR-18")
    func refusesMissingAccession() {
        let rejection = rejection(message(obr: Sample.replacing(18, of: Sample.obr, with: "")))
        #expect(rejection?.acknowledgement == .error)
        #expect(rejection?.errorCode == .requiredFieldMissing)
        #expect(rejection?.location == HL7Location(segment: "OBR", field: 18))
    }

    @Test("OBR-7 without an offset is a time in the clinic's zone")
    func readsLocalObservationTime() throws {
        let obr = Sample.replacing(7, of: Sample.obr, with: "202503140930")
        #expect(try read(message(obr: obr)).results.first?.performedAt == (try instant("2025-03-14T15:30:00Z")))
    }

    @Test("OBR-7 with only a date is the clinic's local midnight")
    func readsDateOnlyObservationTime() throws {
        let obr = Sample.replacing(7, of: Sample.obr, with: "20250314")
        #expect(try read(message(obr: obr)).results.first?.performedAt == (try instant("2025-03-14T06:00:00Z")))
    }

    @Test("OBR-7 keeps fractional seconds and honours its own offset")
    func readsFractionalSeconds() throws {
        let obr = Sample.replacing(7, of: Sample.obr, with: "20250314093000.5+0100")
        let performed = try #require(try read(message(obr: obr)).results.first?.performedAt)
        #expect(performed == (try instant("2025-03-14T08:30:00Z")).addingTimeInterval(0.5))
    }

    @Test("an OBR-7 that is no real time is AE 102 at OBR-7")
    func refusesBadObservationTime() {
        for bad in ["20250230", "2025031425", "202503", "20250314093000+2500", "2025-03-14T09:30"] {
            let rejection = rejection(message(obr: Sample.replacing(7, of: Sample.obr, with: bad)))
            #expect(rejection?.errorCode == .dataTypeError, "\(bad)")
            #expect(rejection?.location == HL7Location(segment: "OBR", field: 7), "\(bad)")
        }
    }

    @Test("OBR-24 RAD leaves the modality to OBR-4's service name")
    func readsModalityFromServiceName() throws {
        let cases: [(String, Modality)] = [
            ("72100^XR LUMBAR SPINE 2-3 VIEWS^CPT4", .xRay), ("72131^CT LUMBAR SPINE WO CONTRAST^CPT4", .ct),
            ("78306^NM BONE SCAN WHOLE BODY^CPT4", .boneScan), ("72148^MRI L-SPINE^CPT4", .mri),
        ]
        for (service, modality) in cases {
            let obr = Sample.replacing(4, of: Sample.replacing(24, of: Sample.obr, with: "RAD"), with: service)
            #expect(try read(message(obr: obr)).results.first?.modality == modality, "\(service)")
        }
    }

    @Test("a study that is neither MR, CT, X-ray nor a bone scan is AE 103 at OBR-24")
    func refusesUnknownModality() {
        let obr = Sample.replacing(
            4, of: Sample.replacing(24, of: Sample.obr, with: "US"), with: "76700^US ABDOMEN^CPT4")
        let rejection = rejection(message(obr: obr))
        #expect(rejection?.errorCode == .tableValueNotFound)
        #expect(rejection?.location == HL7Location(segment: "OBR", field: 24))
    }

    @Test("escapes in the report text are decoded, \\X0D\\ and \\.br\\ become line breaks")
    func decodesReportText() throws {
        let text = message(observations: [
            "OBX|1|FT|IMP^Impression^L||FINDINGS:\\.br\\L1 \\F\\ T12\\S\\wedge \\T\\ edema\\X0D\\\\E\\see prior~2nd line||||||F"
        ])
        #expect(try read(text).results.first?.impression == "FINDINGS:\nL1 | T12^wedge & edema\n\\see prior\n2nd line")
    }

    @Test("a report longer than intake keeps is cut with a note that the full text stays with the sender")
    func truncatesLongReports() throws {
        let line = "OBX|1|TX|IMP^Impression^L||" + String(repeating: "Marrow edema at L1. ", count: 100) + "||||||F"
        let text = message(observations: Array(repeating: line, count: 20))
        let impression = try #require(try read(text).results.first?.impression)
        #expect(impression.count == ORUResult.maximumImpressionLength)
        #expect(impression.hasSuffix("[Report truncated; the full text is in the sending system.]"))
    }

    @Test("text OBXs withdrawn (OBX-11 W) or deleted (D) are left out")
    func ignoresWithdrawnObservations() throws {
        let text = message(observations: [
            "OBX|1|TX|IMP^Impression^L||Wrong patient dictated.||||||W",
            "OBX|2|TX|IMP^Impression^L||Deleted line.||||||D",
            "OBX|3|TX|IMP^Impression^L||Acute L1 fracture.||||||F",
            "OBX|4|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|90|%|||||W",
            "OBX|5|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|30|%|||||F",
        ])
        let result = try #require(try read(text).results.first)
        #expect(result.impression == "Acute L1 fracture.")
        #expect(result.findings.map(\.heightLossPercent) == [30])
    }

    @Test("NTE, ORC, PV1 and Z-segments are skipped")
    func skipsOtherSegments() throws {
        let text = Sample.join(
            [
                Sample.msh, Sample.pid, "PV1|1|O", "ZPI|custom|data", "ORC|RE|ORD-5531", Sample.obr,
                "NTE|1||Called to Dr Patel",
            ]
                + Sample.l1Findings + ["ZDS|1.2.840.113619^RADIS^Application^DICOM"])
        #expect(try read(text).results.first?.findings.count == 1)
    }

    @Test("each OBR is its own result, with the OBXs that follow it")
    func readsSeveralOrders() throws {
        let second = Sample.replacing(
            4, of: Sample.replacing(18, of: Sample.replacing(24, of: Sample.obr, with: "XR"), with: "ACC-2025-0312"),
            with: "72100^XR LUMBAR SPINE^CPT4")
        let text = Sample.join(
            [Sample.msh, Sample.pid, Sample.obr] + Sample.l1Findings + [
                second, "OBX|1|NM|HEIGHTLOSS^Vertebral height loss^99VCF|T12|22|%|||||F",
            ])
        let results = try read(text).results
        #expect(results.map(\.accessionNumber) == ["ACC-2025-0311", "ACC-2025-0312"])
        #expect(results.map(\.modality) == [.mri, .xRay])
        #expect(results.map { $0.findings.map(\.level) } == [["L1"], ["T12"]])
        #expect(results.map(\.obrSequence) == [1, 2])
    }

    @Test("99VCF findings: one per level in order of appearance, with flags Y/N or true/false")
    func readsCodedFindings() throws {
        let text = message(observations: [
            "OBX|1|NM|HEIGHTLOSS^Vertebral height loss^99VCF|T12|45|%|||||F",
            "OBX|2|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|30|%|||||F",
            "OBX|3|CWE|MORPHOLOGY^Fracture morphology^99VCF|t12|^Crush||||||F",
            "OBX|4|ST|EDEMA^Marrow edema^99VCF|T12|N||||||F",
            "OBX|5|CWE|RETROPULSION^Retropulsion^99VCF|T12|Y^Yes^HL70136||||||F",
            "OBX|6|ST|MALIGNANCY^Suspected malignancy^99VCF|T12|false||||||F",
            "OBX|7|ST|INFECTION^Suspected infection^99VCF|L1|N||||||F",
        ])
        let findings = try #require(try read(text).results.first?.findings)
        #expect(
            findings == [
                ImagingResultDraft.FindingDraft(
                    level: "T12", heightLossPercent: 45, morphology: .crush, edema: .absent, retropulsion: true),
                ImagingResultDraft.FindingDraft(level: "L1", heightLossPercent: 30, morphology: nil, edema: .unknown),
            ])
    }

    @Test("a level with 99VCF findings but no HEIGHTLOSS is AE 101 naming its OBX")
    func refusesLevelWithoutHeightLoss() {
        let rejection = rejection(
            message(observations: Sample.l1Findings + ["OBX|6|CWE|EDEMA^Marrow edema^99VCF|L2|present||||||F"]))
        #expect(rejection?.acknowledgement == .error)
        #expect(rejection?.errorCode == .requiredFieldMissing)
        #expect(rejection?.location == HL7Location(segment: "OBX", sequence: 4, field: 3))
    }

    @Test("an unknown 99VCF code is AE 103 at that OBX-3")
    func refusesUnknownCode() {
        let rejection = rejection(
            message(observations: Sample.l1Findings + ["OBX|6|ST|KYPHOSIS^Kyphotic angle^99VCF|L1|12||||||F"]))
        #expect(rejection?.errorCode == .tableValueNotFound)
        #expect(rejection?.location == HL7Location(segment: "OBX", sequence: 4, field: 3, component: 1))
    }

    @Test("a height loss that is not a percent from 0 to 100 is AE 102 at OBX-5")
    func refusesBadHeightLoss() {
        for bad in ["130", "-5", "thirty", "1e2", "nan", "30%"] {
            let obx = "OBX|1|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L1|\(bad)|%|||||F"
            let rejection = rejection(message(observations: [obx]))
            #expect(rejection?.errorCode == .dataTypeError, "\(bad)")
            #expect(rejection?.location == HL7Location(segment: "OBX", field: 5), "\(bad)")
        }
    }

    @Test("a morphology, edema or flag value outside its list is AE 103 at OBX-5")
    func refusesBadCodedValues() {
        for obx in [
            "OBX|2|ST|MORPHOLOGY^Fracture morphology^99VCF|L1|burst||||||F",
            "OBX|2|ST|EDEMA^Marrow edema^99VCF|L1|maybe||||||F",
            "OBX|2|ST|RETROPULSION^Retropulsion^99VCF|L1|2mm||||||F",
        ] {
            let rejection = rejection(message(observations: [Sample.l1Findings[0], obx]))
            #expect(rejection?.errorCode == .tableValueNotFound, "\(obx)")
            #expect(rejection?.location == HL7Location(segment: "OBX", sequence: 2, field: 5), "\(obx)")
        }
    }

    @Test("a 99VCF OBX-4 that is no vertebral level is AE 103 at OBX-4")
    func refusesBadLevel() {
        let rejection = rejection(
            message(observations: ["OBX|1|NM|HEIGHTLOSS^Vertebral height loss^99VCF|L6|30|%|||||F"]))
        #expect(rejection?.errorCode == .tableValueNotFound)
        #expect(rejection?.location == HL7Location(segment: "OBX", field: 4))
    }

    @Test("the same 99VCF observation twice for one level is AE 205")
    func refusesDuplicateObservation() {
        let rejection = rejection(message(observations: Sample.l1Findings + [Sample.l1Findings[0]]))
        #expect(rejection?.errorCode == .duplicateKeyIdentifier)
    }

    @Test("a message without a PID is AE 100 at PID")
    func refusesMissingPID() {
        let rejection = rejection(Sample.join([Sample.msh, Sample.obr] + Sample.l1Findings))
        #expect(rejection?.acknowledgement == .error)
        #expect(rejection?.errorCode == .segmentSequenceError)
        #expect(rejection?.location == HL7Location(segment: "PID"))
    }

    @Test("a message without an OBR is AE 100 at OBR")
    func refusesMissingOBR() {
        let rejection = rejection(Sample.join([Sample.msh, Sample.pid]))
        #expect(rejection?.acknowledgement == .error)
        #expect(rejection?.errorCode == .segmentSequenceError)
        #expect(rejection?.location == HL7Location(segment: "OBR"))
    }

    @Test("segments out of order are AE 100: OBX before OBR, OBR before PID, a second PID")
    func refusesSegmentsOutOfOrder() {
        let orders = [
            [Sample.msh, Sample.pid, Sample.l1Findings[0], Sample.obr],
            [Sample.msh, Sample.obr, Sample.pid],
            [Sample.msh, Sample.pid, Sample.obr, Sample.pid],
        ]
        for segments in orders {
            let rejection = rejection(Sample.join(segments))
            #expect(rejection?.acknowledgement == .error)
            #expect(rejection?.errorCode == .segmentSequenceError)
        }
    }

    @Test("a message that is not ORU^R01 is AR 200")
    func refusesOtherMessageTypes() {
        let text = Sample.join([Sample.msh(replacing: 9, with: "ADT^A01^ADT_A01"), Sample.pid])
        let rejection = rejection(text)
        #expect(rejection?.acknowledgement == .reject)
        #expect(rejection?.errorCode == .unsupportedMessageType)
        #expect(rejection?.location == HL7Location(segment: "MSH", field: 9, component: 1))
    }

    @Test("an ORU with another trigger event is AR 201")
    func refusesOtherEvents() {
        let rejection = rejection(Sample.join([Sample.msh(replacing: 9, with: "ORU^R30"), Sample.pid]))
        #expect(rejection?.acknowledgement == .reject)
        #expect(rejection?.errorCode == .unsupportedEventCode)
    }

    @Test("version 3.0 is AR 203")
    func refusesUnsupportedVersion() {
        let rejection = rejection(Sample.join([Sample.msh(replacing: 12, with: "3.0"), Sample.pid]))
        #expect(rejection?.acknowledgement == .reject)
        #expect(rejection?.errorCode == .unsupportedVersionID)
        #expect(rejection?.location == HL7Location(segment: "MSH", field: 12, component: 1))
    }

    @Test("every supported version is accepted")
    func acceptsSupportedVersions() throws {
        for version in ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"] {
            let text = Sample.join([Sample.msh(replacing: 12, with: version), Sample.pid, Sample.obr])
            #expect(try read(text).header.version == version)
        }
    }

    @Test("a processing id other than P, T or D is AR 202")
    func refusesUnsupportedProcessingID() {
        let rejection = rejection(Sample.join([Sample.msh(replacing: 11, with: "X"), Sample.pid]))
        #expect(rejection?.acknowledgement == .reject)
        #expect(rejection?.errorCode == .unsupportedProcessingID)
    }

    @Test("a missing or overlong MSH-10 control id is AR 101")
    func refusesBadControlID() {
        for id in ["", String(repeating: "9", count: 200)] {
            let rejection = rejection(Sample.join([Sample.msh(replacing: 10, with: id), Sample.pid]))
            #expect(rejection?.acknowledgement == .reject)
            #expect(rejection?.errorCode == .requiredFieldMissing)
            #expect(rejection?.location == HL7Location(segment: "MSH", field: 10))
        }
    }

    @Test("random bytes are refused with AR, never a crash")
    func refusesRandomBytes() {
        var generator = HL7SplitMix(seed: 68)
        let bytes = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(hl7Rejection { try HL7Message(parsing: bytes) }?.acknowledgement == .reject)
    }
}

extension Collection {
    /// The single element, or nil when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
