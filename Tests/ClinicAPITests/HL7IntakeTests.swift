import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// HL7 v2 radiology results as a hospital's interface engine sends them.
enum HL7Samples {
    /// An ORU^R01 for the 68-year-old: MRI lumbar spine, final, acute L1 wedge fracture with 30%
    /// height loss and STIR edema, coded in 99VCF; the report text carries escapes.
    static func mri(
        clinic: String, control: String = "MSG-0001", accession: String = "MR-2026-1101", status: String = "F",
        extraOrder: String? = nil
    ) -> String {
        var obr = Array(repeating: "", count: 26)
        obr[0] = "OBR"
        obr[1] = "1"
        obr[3] = accession
        obr[4] = "72148^MRI LUMBAR SPINE WO CONTRAST^C4"
        obr[7] = "20261120153000-0700"
        obr[18] = accession
        obr[24] = "MR"
        obr[25] = status
        var segments = [
            "MSH|^~\\&|RIS|DESERT RAD|CLINIC|\(clinic)|20261120160000-0700||ORU^R01^ORU_R01|\(control)|P|2.5.1",
            "PID|1||77123^^^DESERT^PI~MRN-0001^^^DESERT^MR||WHITFIELD^ELEANOR||19580314|F",
            obr.joined(separator: "|"),
            "OBX|1|TX|IMP^Impression||Acute L1 compression fracture\\.br\\30\\F\\ height loss, STIR edema.||||||F",
            "OBX|2|NM|HEIGHTLOSS^Height loss^99VCF|L1|30|%|||||F",
            "OBX|3|CWE|MORPHOLOGY^Morphology^99VCF|L1|wedge||||||F",
            "OBX|4|CWE|EDEMA^Marrow edema^99VCF|L1|present||||||F",
        ]
        if let extraOrder { segments.append(extraOrder) }
        return segments.joined(separator: "\r") + "\r"
    }

    /// The segments of an ACK, split on carriage returns.
    static func segments(_ ack: String) -> [[String]] {
        ack.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// MSA-1 and MSA-2 of an ACK.
    static func msa(_ ack: String) -> (code: String, control: String)? {
        segments(ack).first { $0.first == "MSA" }.map { ($0.count > 1 ? $0[1] : "", $0.count > 2 ? $0[2] : "") }
    }
}

extension TestClientProtocol {
    /// POSTs an HL7 message and returns the status and the ACK.
    func postHL7(token: String, _ message: String, contentType: String = "application/hl7-v2") async throws
        -> (status: HTTPResponse.Status, ack: String, type: String?)
    {
        var headers = HTTPFields.bearer(token, json: false)
        headers[.contentType] = contentType
        return try await execute(uri: "/v1/hl7/oru", method: .post, headers: headers, body: ByteBuffer(string: message))
        {
            ($0.status, String(buffer: $0.body), $0.headers[.contentType])
        }
    }
}

@Suite("POST /v1/hl7/oru")
struct HL7IntakeTests {
    @Test("an ORU^R01 with an L1 wedge fracture is acknowledged AA and stored as the JSON intake stores it")
    func storesResult() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake, scope: .clinics([clinic.id]))
            let answer = try await client.postHL7(token: ris, HL7Samples.mri(clinic: clinic.id.description))
            #expect(answer.status == .ok)
            #expect(answer.type == "application/hl7-v2")
            #expect(HL7Samples.msa(answer.ack)?.code == "AA")
            #expect(HL7Samples.msa(answer.ack)?.control == "MSG-0001")
            #expect(try await db.count("imaging_results", where: "accession_number = 'MR-2026-1101'") == 1)
            #expect(try await db.count("imaging_findings", where: "level = 'L1' AND height_loss_percent = 30") == 1)
            #expect(try await db.count("patients", where: "mrn = 'MRN-0001' AND family_name = 'WHITFIELD'") == 1)
        }
    }

    @Test("a redelivered message stores nothing new and is acknowledged AA again")
    func redelivery() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            let message = HL7Samples.mri(clinic: clinic.id.description)
            let first = try await client.postHL7(token: ris, message)
            let again = try await client.postHL7(token: ris, message)
            #expect(first.status == .ok && again.status == .ok)
            #expect(HL7Samples.msa(again.ack)?.code == "AA")
            // The first delivery's ACK, as it was sent.
            #expect(again.ack == first.ack)
            #expect(try await db.count("imaging_result_revisions") == 1)
        }
    }

    @Test("a preliminary result redelivered after its final one answers with its first ACK and changes nothing")
    func redeliveryAfterRevision() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            let preliminary = HL7Samples.mri(clinic: clinic.id.description, control: "MSG-P", status: "P")
            let first = try await client.postHL7(token: ris, preliminary)
            _ = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description, control: "MSG-F", status: "F"))
            let again = try await client.postHL7(token: ris, preliminary.replacingOccurrences(of: "\r", with: "\r\n"))
            #expect(again.status == .ok)
            #expect(again.ack == first.ack)
            #expect(try await db.count("imaging_result_revisions") == 2)
            #expect(try await db.count("imaging_results", where: "result_status = 'final'") == 1)
        }
    }

    @Test("a control id used again for another message is AE 205 at MSH-10, and stores nothing")
    func controlIDReused() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            _ = try await client.postHL7(token: ris, HL7Samples.mri(clinic: clinic.id.description, control: "MSG-7"))
            let other = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description, control: "MSG-7", accession: "CT-2026-0042"))
            #expect(other.status == .unprocessableContent)
            #expect(other.ack.contains("205^"))
            #expect(
                HL7Samples.segments(other.ack).first { $0.first == "ERR" }?.dropFirst().first?.hasPrefix("MSH^1^10")
                    == true)
            #expect(try await db.count("imaging_results") == 1)
        }
    }

    @Test("a final result after the preliminary one is a revision of the same result")
    func revision() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            _ = try await client.postHL7(token: ris, HL7Samples.mri(clinic: clinic.id.description, status: "P"))
            let final = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description, control: "MSG-0002", status: "F"))
            #expect(final.status == .ok)
            #expect(final.ack.contains("revised"))
            #expect(try await db.count("imaging_results") == 1)
            #expect(try await db.count("imaging_result_revisions") == 2)
        }
    }

    @Test("a message without OBR-18 is AE with 422, the field in ERR and MSA-3, and stores nothing")
    func missingAccession() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            let answer = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description, accession: ""))
            #expect(answer.status == .unprocessableContent)
            #expect(HL7Samples.msa(answer.ack)?.code == "AE")
            let err = HL7Samples.segments(answer.ack).first { $0.first == "ERR" }
            #expect(err?.dropFirst().first?.hasPrefix("OBR^1^18") == true)
            #expect(answer.ack.contains("OBR-18"))
            #expect(try await db.count("imaging_results") == 0)
        }
    }

    @Test("a body that is not HL7 is AR with 400")
    func notHL7() async throws {
        try await withApp { client, db in
            let ris = try await Fixtures(db).token(.intake)
            // Combining marks right after "MSH" join its "H" into one Character.
            for body in [
                "garbage", "{\"resourceType\":\"Patient\"}", "MSH|", "\u{0B}\u{1C}\r", "MSH\u{301}\u{301}\u{301}",
            ] {
                let answer = try await client.postHL7(token: ris, body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(HL7Samples.msa(answer.ack)?.code == "AR", "\(body)")
            }
        }
    }

    @Test("a message refused as a whole (an unknown character set) still answers to its control id")
    func refusalNamesControlID() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            let ebcdic = HL7Samples.mri(clinic: clinic.id.description, control: "CTL-EBCDIC").replacingOccurrences(
                of: "|P|2.5.1", with: "|P|2.5.1||||||EBCDIC")
            let answer = try await client.postHL7(token: ris, ebcdic)
            #expect(answer.status == .badRequest)
            #expect(HL7Samples.msa(answer.ack)?.code == "AR")
            #expect(HL7Samples.msa(answer.ack)?.control == "CTL-EBCDIC")
            #expect(try await db.count("imaging_results") == 0)
        }
    }

    @Test("an ADT message is AR 400: only ORU^R01 results are taken")
    func wrongMessageType() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            let adt = HL7Samples.mri(clinic: clinic.id.description).replacingOccurrences(
                of: "ORU^R01^ORU_R01", with: "ADT^A01^ADT_A01")
            let answer = try await client.postHL7(token: ris, adt)
            #expect(answer.status == .badRequest)
            #expect(answer.ack.contains("200^"))
            #expect(try await db.count("imaging_results") == 0)
        }
    }

    @Test("a clinic the intake token does not serve is AE, stores nothing, and the refusal is audited")
    func outsideScope() async throws {
        try await withApp { client, db in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let ris = try await Fixtures(db).token(.intake, scope: .clinics([desert.id]))
            let answer = try await client.postHL7(token: ris, HL7Samples.mri(clinic: mesa.id.description))
            #expect(answer.status == .unprocessableContent)
            #expect(HL7Samples.msa(answer.ack)?.code == "AE")
            #expect(try await db.count("imaging_results") == 0)
            #expect(try await db.count("audit_log", where: "action = 'scope.refused'") == 1)
        }
    }

    @Test("without MSH-6, the token's only clinic receives the result")
    func onlyClinic() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake, scope: .clinics([clinic.id]))
            let answer = try await client.postHL7(token: ris, HL7Samples.mri(clinic: ""))
            #expect(answer.status == .ok)
            #expect(try await db.count("imaging_results", where: "clinic_id = '\(clinic.id)'") == 1)
        }
    }

    @Test("a message whose second order is invalid stores neither order")
    func allOrNothing() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            // The second order's study is dated in the future.
            let second = "OBR|2||CT-9|72131^CT LUMBAR SPINE|||20991120153000-0700|||||||||||CT-9||||||CT|F"
            let answer = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description, extraOrder: second))
            #expect(answer.status == .unprocessableContent)
            #expect(answer.ack.contains("OBR"))
            #expect(try await db.count("imaging_results") == 0)
        }
    }

    @Test("a message whose second order the stored results refuse (a preliminary after its final) stores neither")
    func refusedByStoredResults() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            _ = try await client.postHL7(token: ris, HL7Samples.mri(clinic: clinic.id.description, accession: "MR-OLD"))
            // A new CT study first, then the old MRI again as preliminary: refused by what is stored.
            let late = "OBR|2||MR-OLD|72148^MRI LUMBAR SPINE|||20261120153000-0700|||||||||||MR-OLD||||||MR|P"
            let answer = try await client.postHL7(
                token: ris,
                HL7Samples.mri(
                    clinic: clinic.id.description, control: "MSG-0002", accession: "CT-NEW", extraOrder: late))
            #expect(answer.status == .unprocessableContent)
            #expect(try await db.count("imaging_results", where: "accession_number = 'CT-NEW'") == 0)
            #expect(try await db.count("imaging_results") == 1)
        }
    }

    @Test("one study sent twice in one message is AE 205 at the second OBR-18, and stores neither")
    func accessionTwice() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let ris = try await Fixtures(db).token(.intake)
            let again =
                "OBR|2||MR-2026-1101|72148^MRI LUMBAR SPINE|||20261120153000-0700|||||||||||MR-2026-1101||||||MR|C"
            let answer = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description, extraOrder: again))
            #expect(answer.status == .unprocessableContent)
            #expect(answer.ack.contains("205^"))
            #expect(try await db.count("imaging_results") == 0)
        }
    }

    @Test("a scheduler may not send results; JSON is refused on this route with 415")
    func refusals() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            let scheduler = try await Fixtures(db).token(.scheduler)
            let ris = try await Fixtures(db).token(.intake)
            #expect(
                try await client.postHL7(token: scheduler, HL7Samples.mri(clinic: clinic.id.description)).status
                    == .forbidden)
            let json = try await client.postHL7(
                token: ris, HL7Samples.mri(clinic: clinic.id.description), contentType: "application/json")
            #expect(json.status == .unsupportedMediaType)
            #expect(try await db.count("imaging_results") == 0)
        }
    }
}
