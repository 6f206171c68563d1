/// What MSH says about a message: who sent it, to whom, what it is, and how to answer it.
public struct HL7Header: Sendable, Hashable {
    /// MSH-3.1.
    public var sendingApplication: String
    /// MSH-4.1.
    public var sendingFacility: String
    /// MSH-5.1.
    public var receivingApplication: String
    /// MSH-6.1.
    public var receivingFacility: String
    /// MSH-7 as sent (a TS/DTM, not interpreted).
    public var messageTime: String
    /// MSH-9.1, e.g. "ORU".
    public var messageCode: String
    /// MSH-9.2, e.g. "R01".
    public var triggerEvent: String
    /// MSH-9.3, e.g. "ORU_R01"; often empty before v2.4.
    public var messageStructure: String
    /// MSH-10: echoed in MSA-2 of the acknowledgement.
    public var controlID: String
    /// MSH-11.1: P (production), T (training) or D (debugging).
    public var processingID: String
    /// MSH-12.1, e.g. "2.5.1".
    public var version: String
    /// MSH-18, upper-cased: "", "ASCII", "UNICODE UTF-8" or "8859/1".
    public var characterSet: String

    /// "ORU^R01" or "ORU^R01^ORU_R01", as MSH-9 was sent.
    public var messageType: String {
        [messageCode, triggerEvent, messageStructure].reversed().drop(while: \.isEmpty).reversed().joined(
            separator: "^")
    }

    /// Reads MSH without judging it, for answering even a message that is refused: a value
    /// whose escapes cannot be read is taken as sent.
    public init(reading message: HL7Message) {
        let msh = message.header
        func value(_ field: Int, _ component: Int = 1) -> String {
            let repetition = msh.field(field).first
            return (try? repetition.component(component)) ?? ""
        }
        sendingApplication = value(3)
        sendingFacility = value(4)
        receivingApplication = value(5)
        receivingFacility = value(6)
        messageTime = value(7)
        messageCode = value(9)
        triggerEvent = value(9, 2)
        messageStructure = value(9, 3)
        controlID = (try? msh.field(10).text) ?? msh.field(10).raw
        processingID = value(11)
        version = value(12)
        characterSet = value(18).uppercased()
    }

    public init(
        sendingApplication: String, sendingFacility: String, receivingApplication: String, receivingFacility: String,
        messageTime: String, messageCode: String, triggerEvent: String, messageStructure: String, controlID: String,
        processingID: String, version: String, characterSet: String
    ) {
        self.sendingApplication = sendingApplication
        self.sendingFacility = sendingFacility
        self.receivingApplication = receivingApplication
        self.receivingFacility = receivingFacility
        self.messageTime = messageTime
        self.messageCode = messageCode
        self.triggerEvent = triggerEvent
        self.messageStructure = messageStructure
        self.controlID = controlID
        self.processingID = processingID
        self.version = version
        self.characterSet = characterSet
    }

    /// The versions whose ORU^R01 this interface reads.
    public static let supportedVersions: Set<String> = [
        "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8",
    ]
    /// The longest MSH-10 accepted: the standard's 199 characters.
    public static let maximumControlIDLength = 199

    /// Checks that this is a message this interface takes: an ORU^R01 with a control id, in a
    /// supported processing mode and version. Every failure is AR: the envelope is refused.
    func validateAsORUR01() throws(HL7Rejection) {
        guard messageCode.uppercased() == "ORU" else {
            throw .reject(
                .unsupportedMessageType, at: HL7Location(segment: "MSH", field: 9, component: 1),
                "MSH-9 message type must be ORU^R01; got \(quoted(messageType))")
        }
        guard triggerEvent.uppercased() == "R01" else {
            throw .reject(
                .unsupportedEventCode, at: HL7Location(segment: "MSH", field: 9, component: 2),
                "MSH-9 trigger event must be R01; got \(quoted(messageType))")
        }
        guard messageStructure.isEmpty || messageStructure.uppercased() == "ORU_R01" else {
            throw .reject(
                .unsupportedMessageType, at: HL7Location(segment: "MSH", field: 9, component: 3),
                "MSH-9 message structure must be ORU_R01 or empty; got \(quoted(messageStructure))")
        }
        guard !controlID.isEmpty else {
            throw .reject(
                .requiredFieldMissing, at: HL7Location(segment: "MSH", field: 10),
                "MSH-10 message control id is required")
        }
        guard controlID.count <= Self.maximumControlIDLength else {
            throw .reject(
                .requiredFieldMissing, at: HL7Location(segment: "MSH", field: 10),
                "MSH-10 message control id must be at most \(Self.maximumControlIDLength) characters; got \(controlID.count)"
            )
        }
        guard ["P", "T", "D"].contains(processingID) else {
            throw .reject(
                .unsupportedProcessingID, at: HL7Location(segment: "MSH", field: 11, component: 1),
                "MSH-11 processing id must be P, T or D; got \(quoted(processingID))")
        }
        guard Self.supportedVersions.contains(version) else {
            throw .reject(
                .unsupportedVersionID, at: HL7Location(segment: "MSH", field: 12, component: 1),
                "MSH-12 version must be one of 2.3, 2.3.1, 2.4, 2.5, 2.5.1, 2.6, 2.7, 2.7.1 or 2.8; got \(quoted(version))"
            )
        }
    }

    private func quoted(_ value: String) -> String {
        value.isEmpty ? "nothing" : HL7Escaping.shortened(value)
    }
}
