import ClinicInterop
import Testing

@Suite("MLLP framing")
struct MLLPFrameDecoderTests {
    private let message = Array(
        "MSH|^~\\&|RADIS|MERCY RAD|CLINIC|SPINE CLINIC|20250314101500-0600||ORU^R01|1|P|2.5.1\r".utf8)
    private let other = Array(
        "MSH|^~\\&|RADIS|MERCY RAD|CLINIC|SPINE CLINIC|20250314101600-0600||ORU^R01|2|P|2.5.1\r".utf8)

    @Test("a frame is 0x0B, the payload, 0x1C 0x0D")
    func framesPayload() {
        #expect(MLLPFrameDecoder.frame([0x41, 0x42]) == [0x0B, 0x41, 0x42, 0x1C, 0x0D])
    }

    @Test("a complete frame gives its payload")
    func readsOneFrame() throws {
        var decoder = MLLPFrameDecoder()
        #expect(try decoder.append(MLLPFrameDecoder.frame(message)) == [message])
        #expect(!decoder.isInsideFrame)
    }

    @Test("two frames in one read give two payloads in order")
    func readsTwoFramesAtOnce() throws {
        var decoder = MLLPFrameDecoder()
        #expect(
            try decoder.append(MLLPFrameDecoder.frame(message) + MLLPFrameDecoder.frame(other)) == [message, other])
    }

    @Test("a frame split over three reads, even between 0x1C and 0x0D, gives its payload once complete")
    func readsSplitFrame() throws {
        var decoder = MLLPFrameDecoder()
        let framed = MLLPFrameDecoder.frame(message)
        #expect(try decoder.append(framed.prefix(10)) == [])
        #expect(decoder.isInsideFrame)
        #expect(try decoder.append(framed.dropFirst(10).dropLast()) == [])
        #expect(try decoder.append(framed.suffix(1)) == [message])
    }

    @Test("whitespace between frames is ignored")
    func ignoresWhitespaceBetweenFrames() throws {
        var decoder = MLLPFrameDecoder()
        let bytes =
            Array("\r\n ".utf8) + MLLPFrameDecoder.frame(message) + Array("\n\t".utf8) + MLLPFrameDecoder.frame(other)
        #expect(try decoder.append(bytes) == [message, other])
    }

    @Test("anything else outside a frame is an error")
    func refusesBytesOutsideFrame() {
        var decoder = MLLPFrameDecoder()
        #expect(throws: MLLPFramingError.unexpectedByteOutsideFrame(UInt8(ascii: "M"))) {
            try decoder.append(message)
        }
    }

    @Test("a frame longer than the maximum is an error before it ends")
    func refusesOversizedFrame() {
        var decoder = MLLPFrameDecoder(maximumFrameSize: 16)
        #expect(throws: MLLPFramingError.frameTooLarge(maximum: 16)) {
            try decoder.append([0x0B] + message)
        }
    }

    @Test("an end block must be followed by a carriage return")
    func refusesEndBlockWithoutCarriageReturn() {
        var decoder = MLLPFrameDecoder()
        #expect(throws: MLLPFramingError.endBlockWithoutCarriageReturn(0x0A)) {
            try decoder.append([0x0B, 0x41, 0x1C, 0x0A])
        }
    }

    @Test("a start block inside a frame is an error")
    func refusesNestedStartBlock() {
        var decoder = MLLPFrameDecoder()
        #expect(throws: MLLPFramingError.startBlockInsideFrame) {
            try decoder.append([0x0B, 0x41, 0x0B])
        }
    }
}
