import Foundation

/// Writes the original-mode ACK that answers an incoming message.
///
/// Layout (each segment ends with a CR, every value is escaped):
/// ```
/// MSH|^~\&|<us>|<their MSH-6>|<their MSH-3>|<their MSH-4>|<now, UTC>||ACK^R01^ACK|<new id>|<MSH-11>|<MSH-12>
/// MSA|<AA/AE/AR>|<their MSH-10>|<text>
/// ERR|<seg^seq^field^code&text&HL70357>|<seg^seq^field^1^component>|<code^text^HL70357>|E||||<text>
/// ```
/// ERR is written only with a rejection: ERR-1 for v2.3/2.4 receivers, ERR-2 to ERR-8 for later ones.
public enum HL7Acknowledgement {
    /// MSA-3 is at most 80 characters in v2.x.
    static let maximumMSATextLength = 80
    /// ERR-8 is at most 250 characters in v2.5 and later.
    static let maximumUserMessageLength = 250

    /// - Parameters:
    ///   - header: the incoming MSH, nil when the message could not be parsed (MSA-2 is then empty).
    ///   - text: MSA-3; the rejection's text when nil.
    ///   - controlID: MSH-10 of this ACK, a new id of ours.
    ///   - at: MSH-7, written in UTC.
    ///   - receivingApplication: our name, as MSH-3 of the ACK.
    public static func make(
        for header: HL7Header?, code: HL7AcknowledgementCode, rejection: HL7Rejection?, text: String?,
        controlID: String, at: Date, receivingApplication: String = "CLINIC"
    ) -> String {
        let processingID = header.map(\.processingID).flatMap { ["P", "T", "D"].contains($0) ? $0 : nil } ?? "P"
        let version = header.map(\.version).flatMap { HL7Header.supportedVersions.contains($0) ? $0 : nil } ?? "2.5.1"
        var msh = [
            "MSH", HL7EncodingCharacters.standard.msh2, escaped(receivingApplication),
            echoed(header?.receivingFacility), echoed(header?.sendingApplication),
            echoed(header?.sendingFacility), timestamp(at), "", "ACK^R01^ACK", escaped(controlID),
            processingID, version,
        ]
        let messageText = text ?? rejection?.text ?? ""
        let msa = [
            "MSA", code.rawValue, echoed(header?.controlID),
            escaped(truncated(messageText, to: maximumMSATextLength)),
        ]
        var segments = [msa.joined(separator: "|")]
        if let rejection { segments.append(err(rejection)) }
        let body = segments.joined(separator: "\r")
        if !body.unicodeScalars.allSatisfy(\.isASCII) || !msh.joined().unicodeScalars.allSatisfy(\.isASCII) {
            // Quoted values may carry non-ASCII text; the listener writes UTF-8, so say so.
            msh += ["", "", "", "", "", "UNICODE UTF-8"]
        }
        return msh.joined(separator: "|") + "\r" + body + "\r"
    }

    /// A value of the incoming MSH, escaped and cut to 199 characters (MSH-10's longest, more
    /// than any name): a sender's oversized field must not make an oversized answer.
    private static func echoed(_ value: String?) -> String {
        escaped(String((value ?? "").unicodeScalars.prefix(199)))
    }

    private static func err(_ rejection: HL7Rejection) -> String {
        let code = rejection.errorCode
        let location = rejection.location
        let segment = escaped(location?.segment ?? "")
        let sequence = location.map { String($0.sequence) } ?? ""
        let field = location?.field.map(String.init) ?? ""
        let element = [segment, sequence, field, "\(code.code)&\(code.text)&HL70357"].joined(separator: "^")
        var place: [String] = []
        if let location {
            place = [segment, sequence]
            if let field = location.field {
                place += [String(field), "1"]
                if let component = location.component { place.append(String(component)) }
            }
        }
        let fields = [
            "ERR", element, place.joined(separator: "^"), "\(code.code)^\(code.text)^HL70357", "E", "", "", "",
            escaped(truncated(rejection.text, to: maximumUserMessageLength)),
        ]
        return fields.joined(separator: "|")
    }

    private static func escaped(_ text: String) -> String { HL7Escaping.encode(text) }

    private static func truncated(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 3)) + "..."
    }

    /// YYYYMMDDHHMMSS+0000.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let numbers = [
            (parts.year ?? 0, 4), (parts.month ?? 0, 2), (parts.day ?? 0, 2), (parts.hour ?? 0, 2),
            (parts.minute ?? 0, 2), (parts.second ?? 0, 2),
        ]
        return numbers.map { value, width in
            let digits = String(max(value, 0))
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }.joined() + "+0000"
    }
}
