import ClinicInterop
import Foundation
import Testing

@Suite("HL7 v2 message parsing")
struct HL7MessageTests {
    private func obx5(_ value: String) throws -> HL7Field {
        let text = HL7SampleMessages.join([
            HL7SampleMessages.msh, HL7SampleMessages.pid, HL7SampleMessages.obr,
            "OBX|1|FT|IMP^Impression^L||\(value)||||||F",
        ])
        let message = try HL7Message(parsing: text)
        return try #require(message.segment("OBX")).field(5)
    }

    @Test("MSH is numbered as the standard counts it: MSH-1 is the separator, MSH-3 the sending application")
    func numbersMSHFields() throws {
        let message = try HL7Message(parsing: HL7SampleMessages.finalMRI)
        let msh = message.header
        #expect(msh.id == "MSH")
        #expect(msh.field(1).raw == "|")
        #expect(msh.field(2).raw == "^~\\&")
        #expect(try msh.field(3).text == "RADIS")
        #expect(try msh.field(9).component(2) == "R01")
        #expect(try msh.field(10).text == "MSG20250314-0001")
    }

    @Test("fields, components and repetitions of other segments are numbered from 1")
    func readsComponentsAndRepetitions() throws {
        let message = try HL7Message(parsing: HL7SampleMessages.finalMRI)
        let pid = try #require(message.segment("PID"))
        let identifiers = pid.field(3).repetitions
        #expect(identifiers.count == 2)
        #expect(try identifiers[1].component(1) == "MRN-448812")
        #expect(try identifiers[1].component(5) == "MR")
        #expect(try pid.field(5).component(1) == "HALVORSEN")
        #expect(try pid.field(5).component(2) == "MARGARET")
        #expect(try pid.field(5).component(9) == "")
        #expect(try pid.field(99).text == "")
    }

    @Test("segments(named:) lists every occurrence with its sequence")
    func listsSegmentsByName() throws {
        let message = try HL7Message(parsing: HL7SampleMessages.finalMRI)
        let observations = message.segments(named: "OBX")
        #expect(observations.count == 5)
        #expect(observations.map(\.sequence) == [1, 2, 3, 4, 5])
    }

    @Test("segments may end in LF or CRLF, mixed, with blank lines between")
    func acceptsAnyLineEnding() throws {
        let segments =
            [HL7SampleMessages.msh, HL7SampleMessages.pid, HL7SampleMessages.obr] + HL7SampleMessages.l1Findings
        let mixed =
            segments[0] + "\r\n" + segments[1] + "\n\n" + segments[2] + "\r" + segments[3] + "\r\n\r\n" + segments[4]
            + "\n" + segments[5]
        for text in [
            HL7SampleMessages.join(segments, separator: "\n"), HL7SampleMessages.join(segments, separator: "\r\n"),
            mixed,
        ] {
            let message = try HL7Message(parsing: text)
            #expect(message.segments.map(\.id) == ["MSH", "PID", "OBR", "OBX", "OBX", "OBX"])
        }
    }

    @Test("delimiter escapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ decode to the delimiters")
    func decodesDelimiterEscapes() throws {
        let field = try obx5("T12\\F\\L1 \\S\\ wedge \\T\\ edema \\R\\ see \\E\\ note")
        #expect(try field.text == "T12|L1 ^ wedge & edema ~ see \\ note")
    }

    @Test("hex escapes are bytes read as UTF-8")
    func decodesHexEscapes() throws {
        #expect(try obx5("Dr M\\XC3BC\\ller").text == "Dr Müller")
        #expect(try obx5("line one\\X0D\\line two").text == "line one\rline two")
    }

    @Test("\\.br\\ is a line break and \\H\\ \\N\\ highlighting is dropped")
    func decodesFormattingEscapes() throws {
        #expect(try obx5("IMPRESSION:\\.br\\\\H\\Acute\\N\\ L1 fracture.").text == "IMPRESSION:\nAcute L1 fracture.")
    }

    @Test("a character set switch escape is refused with AE 102 at the field when read")
    func refusesCharacterSetEscapes() throws {
        let field = try obx5("\\C2842\\Acute")
        let rejection = try #require(hl7Rejection { try field.text })
        #expect(rejection.acknowledgement == .error)
        #expect(rejection.errorCode == .dataTypeError)
        #expect(rejection.location == HL7Location(segment: "OBX", field: 5))
    }

    @Test("an escape sequence that is never closed is refused")
    func refusesUnterminatedEscape() throws {
        let field = try obx5("30% height loss \\F")
        #expect(hl7Rejection { try field.text }?.errorCode == .dataTypeError)
    }

    @Test("the v2.7 truncation character is a fifth encoding character")
    func acceptsTruncationCharacter() throws {
        let text = HL7SampleMessages.join([
            "MSH|^~\\&#|RADIS|MERCY RAD|CLINIC|SPINE CLINIC|20250314101500-0600||ORU^R01^ORU_R01|1|P|2.7",
            "OBX|1|ST|X||A\\P\\B",
        ])
        let message = try HL7Message(parsing: text)
        #expect(message.encoding.truncation == UInt8(ascii: "#"))
        #expect(try message.segment("OBX")?.field(5).text == "A#B")
    }

    @Test("a message must start with MSH: AR 100")
    func refusesMessageWithoutMSH() {
        let rejection = hl7Rejection { try HL7Message(parsing: "PID|1||MRN-448812^^^MERCY^MR\r") }
        #expect(rejection?.acknowledgement == .reject)
        #expect(rejection?.errorCode == .segmentSequenceError)
    }

    @Test("an empty body is refused: AR")
    func refusesEmptyBody() {
        #expect(hl7Rejection { try HL7Message(parsing: "") }?.acknowledgement == .reject)
        #expect(hl7Rejection { try HL7Message(parsing: [UInt8]()) }?.acknowledgement == .reject)
        #expect(hl7Rejection { try HL7Message(parsing: "\r\n\r\n") }?.acknowledgement == .reject)
    }

    @Test("encoding characters must be 4 or 5 distinct punctuation characters: AR")
    func refusesBadEncodingCharacters() {
        for msh in ["MSH|^~|RADIS", "MSH|^^\\&|RADIS", "MSH|AB\\&|RADIS", "MSH", "MSH|"] {
            #expect(hl7Rejection { try HL7Message(parsing: msh) }?.acknowledgement == .reject, "\(msh)")
        }
    }

    @Test("segment ids are three uppercase letters or digits: AR")
    func refusesBadSegmentIDs() {
        for bad in ["obx|1|TX", "OBXX|1|TX", "OB|1", "O X|1"] {
            let text = HL7SampleMessages.join([HL7SampleMessages.msh, bad])
            #expect(hl7Rejection { try HL7Message(parsing: text) }?.acknowledgement == .reject, "\(bad)")
        }
    }

    @Test("MSH-18 character sets other than ASCII, UNICODE UTF-8 and 8859/1 are refused: AR 103 at MSH-18")
    func refusesUnknownCharacterSet() {
        let text = HL7SampleMessages.join([
            HL7SampleMessages.msh(replacing: 18, with: "ISO IR87"), HL7SampleMessages.pid,
        ])
        let rejection = hl7Rejection { try HL7Message(parsing: text) }
        #expect(rejection?.acknowledgement == .reject)
        #expect(rejection?.errorCode == .tableValueNotFound)
        #expect(rejection?.location == HL7Location(segment: "MSH", field: 18))
    }

    @Test("a message declaring 8859/1 is read as Latin-1")
    func readsLatin1() throws {
        let msh = HL7SampleMessages.msh(replacing: 18, with: "8859/1")
        var bytes = Array((msh + "\rPID|1||MRN-448812^^^MERCY^MR||M").utf8)
        bytes += [0xDC] + Array("LLER^ANNA\r".utf8)
        let message = try HL7Message(parsing: bytes)
        #expect(try message.segment("PID")?.field(5).component(1) == "MÜLLER")
    }

    @Test("bytes that are not UTF-8 are refused: AR")
    func refusesInvalidUTF8() {
        let bytes = Array((HL7SampleMessages.msh + "\rPID|1||MRN-448812^^^MERCY^MR||M").utf8) + [0xDC, 0x0D]
        #expect(hl7Rejection { try HL7Message(parsing: bytes) }?.acknowledgement == .reject)
    }

    @Test("a message over 1 MiB is refused, not read")
    func refusesOversizedMessage() {
        let line = "OBX|1|TX|IMP^Impression^L||" + String(repeating: "A", count: 1_000) + "\r"
        let text = HL7SampleMessages.msh + "\r" + String(repeating: line, count: 1_100)
        #expect(hl7Rejection { try HL7Message(parsing: text) }?.acknowledgement == .reject)
    }

    @Test("a message over 2,000 segments is refused")
    func refusesTooManySegments() {
        let text = HL7SampleMessages.msh + "\r" + String(repeating: "NTE|1||.\r", count: 2_000)
        #expect(hl7Rejection { try HL7Message(parsing: text) }?.acknowledgement == .reject)
    }
}
