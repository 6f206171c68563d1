import ClinicDomain
import ClinicServices
import Foundation

/// The answer to one HL7 result message: the ACK to send back, and how the message fared.
public struct HL7Reply: Sendable, Equatable {
    /// The ACK message, segments ending in `\r`.
    public let acknowledgement: String
    public let code: HL7AcknowledgementCode
    /// The database could not be reached: nothing was stored, and the sender should resend.
    public let unavailable: Bool
}

/// HL7 v2 ORU^R01 results in, over HTTP or MLLP: parse, find the clinic, map each order to an
/// imaging result and hand them to the same service as the JSON intake, then acknowledge.
///
/// The clinic is the receiving facility (MSH-6) as a clinic id, or the actor's only clinic.
/// Every order is validated before any is stored. A redelivered message (the sender's MSH-3^MSH-4
/// and MSH-10 again, with the same content) is answered with the ACK it first got and changes
/// nothing, even when later messages have revised its results since; the same control id with
/// other content is AE.
public struct HL7ResultIntake: Sendable {
    let imaging: ImagingService
    let messages: any InterfaceMessageLog

    public init(imaging: ImagingService, messages: any InterfaceMessageLog) {
        self.imaging = imaging
        self.messages = messages
    }

    /// Takes one message as sent. Only an unexpected failure is thrown (the caller answers it
    /// as an internal error); every refusal is an AE or AR reply.
    public func receive(_ bytes: [UInt8], actor: Actor) async throws -> HL7Reply {
        let message: HL7Message
        do {
            message = try HL7Message(parsing: bytes)
        } catch {
            // A refusal still answers to the message's MSH when its first line can be read: the
            // sender matches ACKs to messages by MSA-2.
            return reply(Self.salvagedHeader(bytes), refusing: error, actor: actor)
        }
        let header: HL7Header
        do {
            header = try ORUResult.header(of: message)
        } catch {
            return reply(HL7Header(reading: message), refusing: error, actor: actor)
        }
        do {
            let clinic = try await clinic(for: header, actor: actor)
            let sender = Self.sender(header)
            let digest = Self.digest(bytes)
            if let earlier = try await messages.message(
                clinicID: clinic.id, sender: sender, controlID: header.controlID, scope: actor.scope)
            {
                guard earlier.digest == digest else {
                    throw HL7Rejection(
                        .error, .duplicateKeyIdentifier, at: HL7Location(segment: "MSH", field: 10),
                        "MSH-10 control id \(header.controlID) was used before by \(sender) for another message; "
                            + "send a new message under a new control id")
                }
                return HL7Reply(acknowledgement: earlier.acknowledgement, code: .accept, unavailable: false)
            }
            let oru = try ORUResult(message: message, zone: clinic.timeZone.zone)
            // One study twice in one message would store its first copy and refuse the second.
            var accessions: Set<String> = []
            for result in oru.results where !accessions.insert(result.accessionNumber).inserted {
                throw HL7Rejection(
                    .error, .duplicateKeyIdentifier,
                    at: HL7Location(segment: "OBR", sequence: result.obrSequence, field: 18),
                    "OBR-18 accession \(result.accessionNumber) is sent twice in this message; send each study once")
            }
            let submitted = try await imaging.submit(
                all: oru.drafts(clinicID: clinic.id.description), clinic: clinic, actor: actor)
            let accepted = reply(
                header, accepting: zip(oru.results, submitted).map { ($0.accessionNumber, $1.submission) }, actor)
            // The results are stored: the answer is AA whether or not the log keeps it. Without the
            // entry a redelivery is still recognised, by accession and content, until a revision.
            try? await messages.record(
                LoggedInterfaceMessage(
                    clinicID: clinic.id, sender: sender, controlID: header.controlID, digest: digest,
                    acknowledgement: accepted.acknowledgement, receivedAt: actor.at),
                scope: actor.scope)
            return accepted
        } catch let rejection as HL7Rejection {
            return reply(header, refusing: rejection, actor: actor)
        } catch let error as ServiceError {
            if case .unavailable = error {
                let rejection = HL7Rejection(
                    .reject, .applicationInternalError, at: nil,
                    "The clinic's database is unavailable; nothing was stored. Resend the message shortly.")
                return HL7Reply(
                    acknowledgement: acknowledgement(header, .reject, rejection, actor), code: .reject,
                    unavailable: true)
            }
            return reply(header, refusing: Self.rejection(for: error), actor: actor)
        }
    }

    /// Who sent the message, as the log keys it: `MSH-3^MSH-4`.
    static func sender(_ header: HL7Header) -> String {
        String(header.sendingApplication.unicodeScalars.prefix(199)) + "^"
            + String(header.sendingFacility.unicodeScalars.prefix(199))
    }

    /// The message's digest, whatever its segments end with.
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\r")
            .replacingOccurrences(of: "\n", with: "\r")
        return IdempotencyClaim.fingerprint([String(text.reversed().drop { $0 == "\r" }.reversed())])
    }

    /// An AR for a message refused before it was read (the sender may resend it): answered to its
    /// MSH when the message has one.
    public func refusal(_ bytes: [UInt8], at: Date, _ text: String) -> HL7Reply {
        let header = (try? HL7Message(parsing: bytes)).map(HL7Header.init(reading:)) ?? Self.salvagedHeader(bytes)
        let rejection = HL7Rejection(.reject, .applicationInternalError, at: nil, text)
        return HL7Reply(
            acknowledgement: HL7Acknowledgement.make(
                for: header, code: .reject, rejection: rejection, text: nil, controlID: Self.newControlID(), at: at),
            code: .reject, unavailable: true)
    }

    /// MSH read from the raw first line, for a message the parser refused as a whole (an unknown
    /// character set, bytes that are not UTF-8, a bad escape further down): the values are taken
    /// as sent, and the ACK escapes them again. Nil when the first line is no MSH.
    static func salvagedHeader(_ bytes: [UInt8]) -> HL7Header? {
        // Bytes, never Characters: combining marks after "MSH" would merge with the "H".
        let line = Array(bytes.prefix { $0 != 0x0D && $0 != 0x0A }.prefix(4096))
        guard line.count > 8, line.starts(with: Array("MSH".utf8)) else { return nil }
        let printable: ClosedRange<UInt8> = 0x21...0x7E
        let separator = line[3]
        guard printable.contains(separator) else { return nil }
        let fields = line.split(separator: separator, omittingEmptySubsequences: false)
        let encoding = fields.count > 1 ? Array(fields[1]) : []
        let component = encoding.first.flatMap { printable.contains($0) ? $0 : nil } ?? UInt8(ascii: "^")
        let repetition = encoding.dropFirst().first.flatMap { printable.contains($0) ? $0 : nil } ?? UInt8(ascii: "~")
        // fields[0] is "MSH" and fields[1] MSH-2: MSH-n is fields[n - 1].
        func value(_ number: Int, _ part: Int = 1) -> String {
            guard fields.count > number - 1 else { return "" }
            let first = fields[number - 1].split(separator: repetition, omittingEmptySubsequences: false).first ?? []
            let parts = first.split(separator: component, omittingEmptySubsequences: false)
            guard parts.count >= part else { return "" }
            return String(String(decoding: parts[part - 1], as: UTF8.self).unicodeScalars.prefix(199))
        }
        return HL7Header(
            sendingApplication: value(3), sendingFacility: value(4), receivingApplication: value(5),
            receivingFacility: value(6), messageTime: value(7), messageCode: value(9), triggerEvent: value(9, 2),
            messageStructure: value(9, 3), controlID: value(10), processingID: value(11), version: value(12),
            characterSet: value(18).uppercased())
    }

    /// MSH-6 as a clinic id, or the only clinic the actor reaches; refused (AE) unless the actor's
    /// feed serves it, exactly like an unknown clinic.
    private func clinic(for header: HL7Header, actor: Actor) async throws -> Clinic {
        let facility = header.receivingFacility.trimmingCharacters(in: .whitespaces)
        let named = ClinicID(string: facility)
        guard let id = named ?? actor.principal.scope.clinicIDs.flatMap({ $0.count == 1 ? $0.first : nil }) else {
            throw HL7Rejection(
                .error, .unknownKeyIdentifier, at: HL7Location(segment: "MSH", field: 6),
                facility.isEmpty
                    ? "MSH-6 receiving facility must be the clinic id: this token serves several clinics"
                    : "MSH-6 receiving facility must be a clinic id (a UUID); got \(facility.prefix(40))")
        }
        do {
            return try await imaging.intakeClinic(id, actor: actor)
        } catch ServiceError.unknownReference {
            throw HL7Rejection(
                .error, .unknownKeyIdentifier, at: HL7Location(segment: "MSH", field: 6),
                "MSH-6 names no clinic this feed serves: \(id)")
        }
    }

    /// A service refusal as HL7 says it, placed on the field the service named.
    static func rejection(for error: ServiceError) -> HL7Rejection {
        switch error {
        case .invalid(let validation):
            let first = validation.violations.first
            let text = validation.violations.map { "\(describe($0.pointer)): \($0.message)" }.joined(separator: "; ")
            return HL7Rejection(.error, .dataTypeError, at: first.flatMap { location($0.pointer) }, text)
        case .unknownReference(let pointer, let entity):
            return HL7Rejection(
                .error, .unknownKeyIdentifier, at: location(pointer), "\(describe(pointer)) names no \(entity)")
        case .conflict(let detail):
            return HL7Rejection(.error, .applicationInternalError, at: nil, "Conflicts with stored data: \(detail)")
        case .idempotencyKeyReused:
            return HL7Rejection(
                .error, .duplicateKeyIdentifier, at: nil, "This message was already received with other content")
        default:
            return HL7Rejection(.error, .applicationInternalError, at: nil, "The result was refused: \(error)")
        }
    }

    /// Where a field of the JSON draft (`/0/patient/birthDate`) came from in the message.
    static func location(_ pointer: String) -> HL7Location? {
        let parts = pointer.split(separator: "/").map(String.init)
        guard let index = parts.first.flatMap(Int.init) else { return nil }
        let order = index + 1
        switch parts.dropFirst().first {
        case "patient":
            let field = ["mrn": 3, "givenName": 5, "familyName": 5, "birthDate": 7, "sex": 8][
                parts.dropFirst(2).first ?? ""]
            return HL7Location(segment: "PID", field: field)
        case "accessionNumber": return HL7Location(segment: "OBR", sequence: order, field: 18)
        case "performedAt": return HL7Location(segment: "OBR", sequence: order, field: 7)
        case "sourceSystem": return HL7Location(segment: "MSH", field: 4)
        case "impression", "findings": return HL7Location(segment: "OBR", sequence: order)
        default: return nil
        }
    }

    /// A draft's pointer in words an interface analyst reads: "PID-7", "OBR[1]-18", "OBR[2] findings".
    static func describe(_ pointer: String) -> String {
        guard let location = location(pointer) else { return pointer }
        let detail = pointer.split(separator: "/").dropFirst(2).joined(separator: " ")
        return location.description + (location.field == nil && !detail.isEmpty ? " " + detail : "")
    }

    private func reply(
        _ header: HL7Header, accepting results: [(accession: String, submission: ImagingSubmission)], _ actor: Actor
    ) -> HL7Reply {
        // Each result's id, so the sender (and anyone reading its log) can find it: GET
        // /v1/imaging-results/{id} or /fhir/r4/DiagnosticReport/{id}.
        let outcome = results.map { accession, submission in
            switch submission {
            case .created(let id): "\(accession) stored as \(id)"
            case .replayed(let id): "\(accession) already stored as \(id)"
            case .revised(let id, _): "\(accession) revised as \(id)"
            }
        }.joined(separator: "; ")
        return HL7Reply(
            acknowledgement: HL7Acknowledgement.make(
                for: header, code: .accept, rejection: nil, text: outcome, controlID: Self.newControlID(),
                at: actor.at),
            code: .accept, unavailable: false)
    }

    private func reply(_ header: HL7Header?, refusing error: HL7Rejection, actor: Actor) -> HL7Reply {
        HL7Reply(
            acknowledgement: acknowledgement(header, error.acknowledgement, error, actor), code: error.acknowledgement,
            unavailable: false)
    }

    private func acknowledgement(
        _ header: HL7Header?, _ code: HL7AcknowledgementCode, _ rejection: HL7Rejection, _ actor: Actor
    ) -> String {
        HL7Acknowledgement.make(
            for: header, code: code, rejection: rejection, text: nil, controlID: Self.newControlID(), at: actor.at)
    }

    /// A new control id for the ACK: 20 characters, the longest every v2 version accepts in MSH-10.
    static func newControlID() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20))
    }
}
