/// Why a stream of bytes is not MLLP; the connection cannot be trusted after it.
public enum MLLPFramingError: Error, Sendable, Equatable {
    /// A byte other than whitespace between frames.
    case unexpectedByteOutsideFrame(UInt8)
    /// A start block (0x0B) before the frame being read had ended.
    case startBlockInsideFrame
    /// An end block (0x1C) not followed by a carriage return.
    case endBlockWithoutCarriageReturn(UInt8)
    /// A frame longer than the decoder's maximum.
    case frameTooLarge(maximum: Int)
}

/// Cuts a TCP byte stream into MLLP frames: 0x0B, the payload, then 0x1C 0x0D.
///
/// Pure and incremental: feed it bytes as they arrive, in pieces of any size, and it returns
/// each payload once its frame is complete.
public struct MLLPFrameDecoder: Sendable {
    public static let startBlock: UInt8 = 0x0B
    public static let endBlock: UInt8 = 0x1C
    public static let carriageReturn: UInt8 = 0x0D

    private enum State: Sendable {
        case betweenFrames
        case inFrame
        case afterEndBlock
    }

    public let maximumFrameSize: Int
    private var state = State.betweenFrames
    private var payload: [UInt8] = []

    /// - Parameter maximumFrameSize: the longest payload accepted, in bytes.
    public init(maximumFrameSize: Int = 1 << 20) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Whether part of a frame has been read and not yet ended: a connection closing now cut a message short.
    public var isInsideFrame: Bool { state != .betweenFrames }

    /// Reads more bytes; returns the payloads of the frames they complete, in order.
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(MLLPFramingError) -> [[UInt8]] {
        var complete: [[UInt8]] = []
        for byte in bytes {
            switch state {
            case .betweenFrames:
                switch byte {
                case Self.startBlock: state = .inFrame
                case 0x20, 0x09, 0x0A, 0x0D: continue
                default: throw .unexpectedByteOutsideFrame(byte)
                }
            case .inFrame:
                switch byte {
                case Self.endBlock: state = .afterEndBlock
                case Self.startBlock: throw .startBlockInsideFrame
                default:
                    guard payload.count < maximumFrameSize else { throw .frameTooLarge(maximum: maximumFrameSize) }
                    payload.append(byte)
                }
            case .afterEndBlock:
                guard byte == Self.carriageReturn else { throw .endBlockWithoutCarriageReturn(byte) }
                complete.append(payload)
                payload = []
                state = .betweenFrames
            }
        }
        return complete
    }

    /// Wraps a payload in an MLLP frame.
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        var framed: [UInt8] = []
        framed.reserveCapacity(payload.count + 3)
        framed.append(startBlock)
        framed.append(contentsOf: payload)
        framed.append(endBlock)
        framed.append(carriageReturn)
        return framed
    }
}
