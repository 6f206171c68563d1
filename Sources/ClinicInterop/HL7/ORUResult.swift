import ClinicDomain
import ClinicServices
import Foundation

/// A radiology ORU^R01 read into what imaging intake needs: the patient and one result per OBR.
///
/// Segments are read in order: MSH, then one PID, then ORDER_OBSERVATION groups (an OBR and
/// the OBXs that follow it). NTE, ORC, PV1, Z-segments and other segments are skipped. A
/// segment out of that order is AE 100. Coded findings are read from OBXs in the local coding
/// system documented on `HL7VertebralFindings`; text OBXs make the impression.
public struct ORUResult: Sendable, Hashable {
    /// One ORDER_OBSERVATION group: one study's report.
    public struct Result: Sendable, Hashable {
        /// OBR-18, where radiology systems put the accession number.
        public var accessionNumber: String
        /// OBR-25.
        public var status: ResultStatus
        /// OBR-24, else read from OBR-4's universal service id.
        public var modality: Modality
        /// OBR-7, the observation date and time.
        public var performedAt: Date
        /// The text OBXs (TX, FT, ST, and CE/CWE outside 99VCF), one line per value.
        public var impression: String?
        public var findings: [ImagingResultDraft.FindingDraft]
        /// Which OBR of the message this came from, from 1: for an ERR-2 when intake refuses it.
        public var obrSequence: Int
    }

    /// The longest impression kept. Intake takes at most 10,000 characters; a longer report is
    /// cut with a note, since the full text stays in the sending system.
    public static let maximumImpressionLength = 10_000
    static let truncationNote = "\n[Report truncated; the full text is in the sending system.]"

    public let header: HL7Header
    /// MSH-4.1 sending facility, else MSH-3.1 sending application: with the accession number,
    /// the key that makes a resent result a replay or a revision.
    public let sourceSystem: String
    public let patient: ReferralDraft.PatientDraft
    public let results: [Result]

    /// Reads and checks MSH alone, before anything else is known (such as the clinic's time zone).
    /// - Throws: AR when the envelope is not an ORU^R01 this interface takes.
    public static func header(of message: HL7Message) throws(HL7Rejection) -> HL7Header {
        let header = HL7Header(reading: message)
        try header.validateAsORUR01()
        return header
    }

    /// - Parameter zone: the clinic's time zone, for OBR-7 times sent without an offset.
    public init(message: HL7Message, zone: TimeZone) throws(HL7Rejection) {
        header = try Self.header(of: message)
        let source = header.sendingFacility.isEmpty ? header.sendingApplication : header.sendingFacility
        sourceSystem = source.trimmingCharacters(in: .whitespaces)
        guard !sourceSystem.isEmpty else {
            throw .error(
                .requiredFieldMissing, at: HL7Location(segment: "MSH", field: 4),
                "MSH-4 sending facility (or MSH-3 sending application) is required to identify the source system")
        }
        guard message.segment("PID") != nil else {
            throw .error(
                .segmentSequenceError, at: HL7Location(segment: "PID"),
                "PID segment is missing; an ORU^R01 must identify the patient")
        }
        var patient: ReferralDraft.PatientDraft?
        var groups: [(obr: HL7Segment, observations: [HL7Segment])] = []
        for segment in message.segments.dropFirst() {
            switch segment.id {
            case "PID":
                guard patient == nil else {
                    throw .error(
                        .segmentSequenceError, at: segment.location(),
                        "PID \(segment.sequence) is a second patient; one ORU^R01 must carry one patient's results")
                }
                patient = try Self.patient(segment)
            case "OBR":
                guard patient != nil else {
                    throw .error(
                        .segmentSequenceError, at: segment.location(),
                        "OBR \(segment.sequence) comes before the PID; the patient must come first")
                }
                groups.append((segment, []))
            case "OBX":
                guard !groups.isEmpty else {
                    throw .error(
                        .segmentSequenceError, at: segment.location(),
                        "OBX \(segment.sequence) comes before any OBR; each observation must follow its order")
                }
                groups[groups.count - 1].observations.append(segment)
            default:
                continue
            }
        }
        guard let patient else {
            throw .error(.segmentSequenceError, at: HL7Location(segment: "PID"), "PID segment is missing")
        }
        guard !groups.isEmpty else {
            throw .error(
                .segmentSequenceError, at: HL7Location(segment: "OBR"),
                "OBR segment is missing; an ORU^R01 needs at least one order with its result")
        }
        self.patient = patient
        var results: [Result] = []
        for group in groups {
            results.append(try Self.result(group.obr, group.observations, zone: zone))
        }
        self.results = results
    }

    /// The draft imaging intake validates and stores, the same as a JSON submission's.
    public func draft(clinicID: String, result: Result) -> ImagingResultDraft {
        ImagingResultDraft(
            clinicID: clinicID, sourceSystem: sourceSystem, accessionNumber: result.accessionNumber,
            status: result.status, modality: result.modality, performedAt: result.performedAt, patient: patient,
            impression: result.impression, findings: result.findings)
    }

    /// One draft per OBR, in message order.
    public func drafts(clinicID: String) -> [ImagingResultDraft] {
        results.map { draft(clinicID: clinicID, result: $0) }
    }

    // MARK: PID

    private static func patient(_ pid: HL7Segment) throws(HL7Rejection) -> ReferralDraft.PatientDraft {
        // No patient has a hundred identifiers; reading a million would only cost time.
        let identifiers = pid.field(3).repetitions(limit: 100)
        var chosen = identifiers.first
        for identifier in identifiers {
            let type = try identifier.component(5).trimmingCharacters(in: .whitespaces).uppercased()
            if type == "MR" {
                chosen = identifier
                break
            }
        }
        let mrn = try chosen?.component(1).trimmingCharacters(in: .whitespaces) ?? ""
        guard !mrn.isEmpty else {
            throw .error(
                .requiredFieldMissing, at: pid.location(field: 3, component: 1),
                "PID-3 patient identifier list must hold the medical record number (identifier type MR)")
        }
        let name = pid.field(5).first
        let family = try name.component(1).trimmingCharacters(in: .whitespaces)
        let given = try name.component(2).trimmingCharacters(in: .whitespaces)
        guard !family.isEmpty else {
            throw .error(
                .requiredFieldMissing, at: pid.location(field: 5, component: 1), "PID-5 patient family name is required"
            )
        }
        guard !given.isEmpty else {
            throw .error(
                .requiredFieldMissing, at: pid.location(field: 5, component: 2), "PID-5 patient given name is required")
        }
        let birthText = try pid.field(7).component(1).trimmingCharacters(in: .whitespaces)
        guard !birthText.isEmpty else {
            throw .error(.requiredFieldMissing, at: pid.location(field: 7), "PID-7 birth date is required")
        }
        guard let birthDate = HL7Timestamp.calendarDate(birthText) else {
            throw .error(
                .dataTypeError, at: pid.location(field: 7),
                "PID-7 birth date must be YYYYMMDD; got \(HL7VertebralFindings.quoted(birthText))")
        }
        let sexText = try pid.field(8).component(1).trimmingCharacters(in: .whitespaces)
        guard let sex = administrativeSex(sexText) else {
            throw .error(
                .tableValueNotFound, at: pid.location(field: 8),
                "PID-8 administrative sex must be F, M, O, U, A or N; got \(HL7VertebralFindings.quoted(sexText))")
        }
        return ReferralDraft.PatientDraft(
            mrn: mrn, givenName: given, familyName: family, birthDate: birthDate, sex: sex)
    }

    /// HL7 table 0001. A (ambiguous) is other; N (not applicable) says nothing, so unknown.
    private static func administrativeSex(_ code: String) -> AdministrativeSex? {
        switch code.uppercased() {
        case "F": .female
        case "M": .male
        case "O", "A": .other
        case "U", "N", "": .unknown
        default: nil
        }
    }

    // MARK: OBR and its OBXs

    private static func result(_ obr: HL7Segment, _ observations: [HL7Segment], zone: TimeZone)
        throws(HL7Rejection) -> Result
    {
        let accession = try obr.field(18).component(1).trimmingCharacters(in: .whitespaces)
        guard !accession.isEmpty else {
            throw .error(
                .requiredFieldMissing, at: obr.location(field: 18),
                "\(obr.location(field: 18)) accession number is required")
        }
        let status = try resultStatus(obr)
        let modality = try modality(obr)
        let performedAt = try performedAt(obr, zone: zone)
        var report = ReportText()
        var collector = HL7VertebralFindings.Collector()
        for obx in observations {
            let observationStatus = try obx.field(11).component(1).trimmingCharacters(in: .whitespaces).uppercased()
            // W: sent in error and withdrawn; D: deleted. Neither is part of the report.
            if observationStatus == "W" || observationStatus == "D" { continue }
            if HL7VertebralFindings.isCoded(obx) {
                try collector.add(obx)
            } else if !report.isFull {
                try report.append(obx)
            }
        }
        return Result(
            accessionNumber: accession, status: status, modality: modality, performedAt: performedAt,
            impression: report.impression, findings: try collector.findings(), obrSequence: obr.sequence)
    }

    private static func resultStatus(_ obr: HL7Segment) throws(HL7Rejection) -> ResultStatus {
        let code = try obr.field(25).component(1).trimmingCharacters(in: .whitespaces)
        let place = obr.location(field: 25)
        switch code.uppercased() {
        case "P": return .preliminary
        case "F": return .final
        case "C": return .corrected
        case "X": return .cancelled
        case "": throw .error(.requiredFieldMissing, at: place, "\(place) result status is required (P, F, C or X)")
        default:
            throw .error(
                .tableValueNotFound, at: place,
                "\(place) result status must be P, F, C or X; got \(HL7VertebralFindings.quoted(code))")
        }
    }

    /// OBR-24 when it names a modality; for RAD (radiology in general), empty or anything else,
    /// the words of OBR-4 (code and text), e.g. "MR LUMBAR SPINE WO CONTRAST".
    private static func modality(_ obr: HL7Segment) throws(HL7Rejection) -> Modality {
        let section = try obr.field(24).component(1).trimmingCharacters(in: .whitespaces).uppercased()
        switch section {
        case "MR", "MRI", "NMR": return .mri
        case "CT", "CTS": return .ct
        case "XR", "CR", "DX", "RX": return .xRay
        case "NM", "NMS": return .boneScan
        default: break
        }
        let service = obr.field(4).first
        let text = try [service.component(1), service.component(2), service.component(5)].joined(separator: " ")
        if let modality = modality(describedBy: text) { return modality }
        let place = obr.location(field: 24)
        throw .error(
            .tableValueNotFound, at: place,
            "\(place) diagnostic service \(HL7VertebralFindings.quoted(section)) is not MR, CT, XR/CR/DX or NM, "
                + "and OBR-4 \(HL7VertebralFindings.quoted(text.trimmingCharacters(in: .whitespaces))) names none of them"
        )
    }

    private static func modality(describedBy text: String) -> Modality? {
        let words = text.uppercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        let pairs = Set(zip(words, words.dropFirst()).map { $0 + " " + $1 })
        if words.contains(where: { $0 == "MR" || $0 == "MRI" }) { return .mri }
        if words.contains("CT") { return .ct }
        if words.contains("NM") || pairs.contains("BONE SCAN") { return .boneScan }
        if words.contains(where: { $0 == "XR" || $0 == "XRAY" || $0.hasPrefix("RADIOGRAPH") })
            || pairs.contains("X RAY")
        {
            return .xRay
        }
        return nil
    }

    private static func performedAt(_ obr: HL7Segment, zone: TimeZone) throws(HL7Rejection) -> Date {
        let text = try obr.field(7).component(1).trimmingCharacters(in: .whitespaces)
        let place = obr.location(field: 7)
        guard !text.isEmpty else {
            throw .error(.requiredFieldMissing, at: place, "\(place) observation date/time is required")
        }
        guard let date = HL7Timestamp.instant(text, zone: zone) else {
            throw .error(
                .dataTypeError, at: place,
                "\(place) observation date/time must be YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ]; got \(HL7VertebralFindings.quoted(text))"
            )
        }
        return date
    }
}
