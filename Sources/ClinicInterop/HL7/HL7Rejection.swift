/// The acknowledgement codes of HL7 table 0008, original mode.
public enum HL7AcknowledgementCode: String, Sendable, Hashable, CaseIterable {
    /// AA: the message was accepted and processed.
    case accept = "AA"
    /// AE: the envelope was fine but the content was wrong; resending it unchanged will fail again.
    case error = "AE"
    /// AR: the envelope itself was refused (not HL7, or a type, version or setting we do not take).
    case reject = "AR"
}

/// The error codes of HL7 table 0357 ("message error condition codes") that this interface reports.
public enum HL7ErrorCode: Int, Sendable, Hashable, CaseIterable {
    case segmentSequenceError = 100
    case requiredFieldMissing = 101
    case dataTypeError = 102
    case tableValueNotFound = 103
    case unsupportedMessageType = 200
    case unsupportedEventCode = 201
    case unsupportedProcessingID = 202
    case unsupportedVersionID = 203
    case unknownKeyIdentifier = 204
    case duplicateKeyIdentifier = 205
    case applicationInternalError = 207

    /// The code as it is written in ERR-3.1 and ERR-1.4.1, e.g. "101".
    public var code: String { String(rawValue) }

    /// The table's own wording, written in ERR-3.2.
    public var text: String {
        switch self {
        case .segmentSequenceError: "Segment sequence error"
        case .requiredFieldMissing: "Required field missing"
        case .dataTypeError: "Data type error"
        case .tableValueNotFound: "Table value not found"
        case .unsupportedMessageType: "Unsupported message type"
        case .unsupportedEventCode: "Unsupported event code"
        case .unsupportedProcessingID: "Unsupported processing id"
        case .unsupportedVersionID: "Unsupported version id"
        case .unknownKeyIdentifier: "Unknown key identifier"
        case .duplicateKeyIdentifier: "Duplicate key identifier"
        case .applicationInternalError: "Application internal error"
        }
    }
}

/// Where in a message a problem was found, as ERR-2 writes it (ERL data type).
public struct HL7Location: Sendable, Hashable, CustomStringConvertible {
    /// The segment id, e.g. "OBR".
    public var segment: String
    /// Which occurrence of that segment in the message, from 1.
    public var sequence: Int
    /// The field number in HL7 numbering, or nil when the whole segment is meant.
    public var field: Int?
    /// The component number, from 1, or nil when the whole field is meant.
    public var component: Int?

    public init(segment: String, sequence: Int = 1, field: Int? = nil, component: Int? = nil) {
        self.segment = segment
        self.sequence = sequence
        self.field = field
        self.component = component
    }

    /// "OBR-18", "PID-3.5", "OBX"; a later occurrence is named too: "OBX-5 (OBX 3)".
    public var description: String {
        var text = segment
        if let field {
            text += "-\(field)"
            if let component { text += ".\(component)" }
        }
        if sequence > 1 { text += " (\(segment) \(sequence))" }
        return text
    }

    func with(field: Int? = nil, component: Int? = nil) -> HL7Location {
        HL7Location(segment: segment, sequence: sequence, field: field ?? self.field, component: component)
    }
}

/// Why an HL7 message was not accepted, with what the ACK must say about it.
///
/// Problems with the envelope (not HL7 at all, no MSH, bad encoding characters, a message type,
/// event, version, processing id or character set we do not take) are `.reject` (AR); problems
/// with the content of an acceptable message are `.error` (AE).
public struct HL7Rejection: Error, Sendable, Equatable {
    public var acknowledgement: HL7AcknowledgementCode
    public var errorCode: HL7ErrorCode
    public var location: HL7Location?
    /// A sentence for the sending system's staff, naming the field, e.g.
    /// "PID-7 birth date must be YYYYMMDD; got 1958-13-40".
    public var text: String

    public init(
        _ acknowledgement: HL7AcknowledgementCode, _ errorCode: HL7ErrorCode, at location: HL7Location?,
        _ text: String
    ) {
        self.acknowledgement = acknowledgement
        self.errorCode = errorCode
        self.location = location
        self.text = text
    }

    /// An envelope problem: AR.
    static func reject(_ code: HL7ErrorCode, at location: HL7Location?, _ text: String) -> HL7Rejection {
        HL7Rejection(.reject, code, at: location, text)
    }

    /// A content problem: AE.
    static func error(_ code: HL7ErrorCode, at location: HL7Location?, _ text: String) -> HL7Rejection {
        HL7Rejection(.error, code, at: location, text)
    }
}
