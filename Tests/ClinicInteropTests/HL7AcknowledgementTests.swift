import ClinicInterop
import Foundation
import Testing

@Suite("HL7 acknowledgements")
struct HL7AcknowledgementTests {
    /// 2025-03-14 16:15:07 UTC.
    private let now = Date(timeIntervalSince1970: 1_741_968_907)

    private func header() throws -> HL7Header {
        try ORUResult.header(of: HL7Message(parsing: HL7SampleMessages.finalMRI))
    }

    @Test("AA answers the sender by name, echoes its control id, and has no ERR")
    func writesAcceptance() throws {
        let ack = HL7Acknowledgement.make(
            for: try header(), code: .accept, rejection: nil, text: nil, controlID: "ACK-0001", at: now)
        #expect(
            ack
                == "MSH|^~\\&|CLINIC|SPINE CLINIC|RADIS|MERCY RAD|20250314161507+0000||ACK^R01^ACK|ACK-0001|P|2.5.1\r"
                + "MSA|AA|MSG20250314-0001|\r")
    }

    @Test("AE carries the reason in MSA-3 and an ERR with the location, the 0357 code and the message")
    func writesError() throws {
        let rejection = HL7Rejection(
            .error, .requiredFieldMissing, at: HL7Location(segment: "OBR", sequence: 2, field: 18),
            "OBR-18 (OBR 2) accession number is required")
        let ack = HL7Acknowledgement.make(
            for: try header(), code: .error, rejection: rejection, text: nil, controlID: "ACK-0002", at: now)
        let segments = ack.split(separator: "\r").map(String.init)
        #expect(segments.count == 3)
        #expect(segments[1] == "MSA|AE|MSG20250314-0001|OBR-18 (OBR 2) accession number is required")
        #expect(
            segments[2]
                == "ERR|OBR^2^18^101&Required field missing&HL70357|OBR^2^18^1|101^Required field missing^HL70357|E||||"
                + "OBR-18 (OBR 2) accession number is required")
    }

    @Test("delimiters in a text are escaped, so that the ACK still parses")
    func escapesText() throws {
        let rejection = HL7Rejection(
            .error, .dataTypeError, at: HL7Location(segment: "PID", field: 7),
            "PID-7 birth date must be YYYYMMDD; got 1958|13^40~&\\")
        let ack = HL7Acknowledgement.make(
            for: try header(), code: .error, rejection: rejection, text: nil, controlID: "ACK-0003", at: now)
        #expect(
            ack.contains(
                "MSA|AE|MSG20250314-0001|PID-7 birth date must be YYYYMMDD; got 1958\\F\\13\\S\\40\\R\\\\T\\\\E\\\r"))
        let parsed = try HL7Message(parsing: ack)
        #expect(try parsed.segment("MSA")?.field(3).text == rejection.text)
        #expect(try parsed.segment("ERR")?.field(8).text == rejection.text)
    }

    @Test("a message that could not be parsed is answered with an empty MSA-2, as production 2.5.1")
    func answersUnparsedMessage() {
        let rejection = HL7Rejection(.reject, .segmentSequenceError, at: nil, "message must start with an MSH segment")
        let ack = HL7Acknowledgement.make(
            for: nil, code: .reject, rejection: rejection, text: nil, controlID: "ACK-0004", at: now)
        let segments = ack.split(separator: "\r").map(String.init)
        #expect(segments[0] == "MSH|^~\\&|CLINIC||||20250314161507+0000||ACK^R01^ACK|ACK-0004|P|2.5.1")
        #expect(segments[1] == "MSA|AR||message must start with an MSH segment")
        #expect(
            segments[2] == "ERR|^^^100&Segment sequence error&HL70357||100^Segment sequence error^HL70357|E||||"
                + "message must start with an MSH segment")
    }

    @Test("an explicit text goes in MSA-3 in place of the rejection's")
    func usesExplicitText() throws {
        let ack = HL7Acknowledgement.make(
            for: try header(), code: .accept, rejection: nil, text: "Stored 1 result", controlID: "A", at: now,
            receivingApplication: "SPINE")
        #expect(ack.hasPrefix("MSH|^~\\&|SPINE|"))
        #expect(ack.contains("\rMSA|AA|MSG20250314-0001|Stored 1 result\r"))
    }

    @Test("text that is not ASCII is declared as UTF-8 in MSH-18")
    func declaresUTF8ForNonASCIIText() throws {
        let rejection = HL7Rejection(
            .error, .dataTypeError, at: HL7Location(segment: "PID", field: 5), "PID-5 family name Müller is too long")
        let ack = HL7Acknowledgement.make(
            for: try header(), code: .error, rejection: rejection, text: nil, controlID: "ACK-0005", at: now)
        let parsed = try HL7Message(parsing: Array(ack.utf8))
        #expect(try parsed.header.field(18).text == "UNICODE UTF-8")
        #expect(try parsed.segment("MSA")?.field(3).text == rejection.text)
    }
}
