import ClinicDomain
import ClinicServices
import Foundation

/// An R4 ServiceRequest from a referral network, read into the referral service's draft.
///
/// Only what a referral needs is read; unknown elements are ignored. Every refusal is a
/// `FHIRIntakeError` naming the element by FHIRPath. Clinical judgement stays with triage:
/// the request's `priority` is reported back but never turned into urgency or flags.
public struct FHIRServiceRequestIntake: Sendable {
    public let draft: ReferralDraft
    /// The sender's identifier for the request (the first with both system and value): the
    /// idempotency key, so a request posted twice makes one referral. Both parts are visible
    /// ASCII, the system at most 128 and the value at most 64 characters, so that
    /// `system + "|" + value` is always a valid `Idempotency-Key`.
    public let identifier: (system: String, value: String)
    /// The sender's priority (routine, urgent, asap or stat), for information only.
    public let priority: String?

    /// A referral request is a few kilobytes; a megabyte is far beyond any honest one.
    public static let maximumBytes = 1 << 20
    /// A ServiceRequest with a contained Patient nests about ten levels deep.
    public static let maximumDepth = 64
    /// Longest text read from any one element, in UTF-8 bytes; the service applies its own, tighter limits.
    public static let maximumStringBytes = 10_000

    static let acceptedIntents: Set<String> = [
        "order", "original-order", "reflex-order", "filler-order", "instance-order", "proposal", "plan",
    ]
    static let allIntents: Set<String> = acceptedIntents.union(["directive", "option"])
    static let allStatuses: Set<String> = [
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    ]
    static let priorities: Set<String> = ["routine", "urgent", "asap", "stat"]
    static let npiSystem = "http://hl7.org/fhir/sid/us-npi"

    public init(json: [UInt8]) throws(FHIRIntakeError) {
        let root: IntakeJSON
        do {
            root = try IntakeJSON.parse(json, maximumBytes: Self.maximumBytes, maximumDepth: Self.maximumDepth)
        } catch .tooLarge {
            throw FHIRIntakeError(
                "ServiceRequest", "The request is larger than \(Self.maximumBytes) bytes.", code: .tooCostly)
        } catch .tooDeep {
            throw FHIRIntakeError(
                "ServiceRequest", "The JSON nests more than \(Self.maximumDepth) levels deep.", code: .structure)
        } catch {
            throw FHIRIntakeError("ServiceRequest", "The body is not valid JSON.", code: .structure)
        }
        guard case .object(let request) = root else {
            throw FHIRIntakeError(
                "ServiceRequest", "The body must be a JSON object: one FHIR ServiceRequest resource, not \(root.kind).",
                code: .structure)
        }
        let read = IntakeReader()
        let resourceType = try read.string(request["resourceType"], at: "ServiceRequest.resourceType")
        guard resourceType == "ServiceRequest" else {
            throw FHIRIntakeError(
                "ServiceRequest.resourceType",
                "Only ServiceRequest resources are accepted here"
                    + (resourceType.map { ", not \($0)." } ?? "; resourceType is missing."))
        }
        try Self.checkStatus(read.string(request["status"], at: "ServiceRequest.status"))
        try Self.checkIntent(read.string(request["intent"], at: "ServiceRequest.intent"))
        priority = try read.string(request["priority"], at: "ServiceRequest.priority")
        if let priority, !Self.priorities.contains(priority) {
            throw FHIRIntakeError(
                "ServiceRequest.priority", "The priority must be routine, urgent, asap or stat, not \(priority).",
                code: .value)
        }
        identifier = try Self.identifier(request, read)
        let (clinicianName, npi) = try Self.requester(request, read)
        let reason = try Self.reason(request, read)
        let imagingResultIDs = try Self.imagingResultIDs(request, read)
        let patient = try Self.patient(request, read, imagingGiven: !imagingResultIDs.isEmpty)
        let clinicID = try Self.clinicID(request, read, imagingGiven: !imagingResultIDs.isEmpty)
        let onset = try Self.symptomOnset(request, read)
        let payer = try read.array(request["insurance"], at: "ServiceRequest.insurance").first.flatMap {
            entry throws(FHIRIntakeError) in
            try read.string(
                read.object(entry, at: "ServiceRequest.insurance[0]")?["display"],
                at: "ServiceRequest.insurance[0].display")
        }
        let flags = try Self.flags(request, read)
        draft = ReferralDraft(
            clinicID: clinicID, patient: patient, referringClinicianName: clinicianName,
            referringClinicianNPI: npi, reason: reason, symptomOnset: onset, imagingResultIDs: imagingResultIDs,
            flags: flags, payer: payer)
    }

    private static func checkStatus(_ status: String?) throws(FHIRIntakeError) {
        guard let status else {
            throw FHIRIntakeError(
                "ServiceRequest.status", "The status is required; only active requests are accepted.",
                code: .required)
        }
        guard status == "active" else {
            throw FHIRIntakeError(
                "ServiceRequest.status",
                allStatuses.contains(status)
                    ? "Only active requests are accepted; this one is \(status)."
                    : "\(status) is not a ServiceRequest status; only active requests are accepted.",
                code: allStatuses.contains(status) ? .businessRule : .value)
        }
    }

    private static func checkIntent(_ intent: String?) throws(FHIRIntakeError) {
        guard let intent else {
            throw FHIRIntakeError("ServiceRequest.intent", "The intent is required (e.g. order).", code: .required)
        }
        guard acceptedIntents.contains(intent) else {
            throw FHIRIntakeError(
                "ServiceRequest.intent",
                (allIntents.contains(intent)
                    ? "A request with intent \(intent) is not a referral."
                    : "\(intent) is not a ServiceRequest intent.")
                    + " Accepted: order, original-order, reflex-order, filler-order, instance-order, proposal, plan.",
                code: allIntents.contains(intent) ? .businessRule : .value)
        }
    }

    private static func identifier(_ request: [String: IntakeJSON], _ read: IntakeReader) throws(FHIRIntakeError)
        -> (system: String, value: String)
    {
        for (index, entry) in try read.array(request["identifier"], at: "ServiceRequest.identifier").enumerated() {
            let path = "ServiceRequest.identifier[\(index)]"
            let identifier = try read.object(entry, at: path)
            guard let system = try read.string(identifier?["system"], at: path + ".system"),
                let value = try read.string(identifier?["value"], at: path + ".value")
            else { continue }
            guard isVisibleASCII(system, maximum: 128) else {
                throw FHIRIntakeError(
                    path + ".system", "The identifier system must be 1 to 128 visible ASCII characters.", code: .value)
            }
            guard isVisibleASCII(value, maximum: 64) else {
                throw FHIRIntakeError(
                    path + ".value", "The identifier value must be 1 to 64 visible ASCII characters.", code: .value)
            }
            return (system, value)
        }
        throw FHIRIntakeError(
            "ServiceRequest.identifier",
            "An identifier with both system and value is required: it is how a request sent twice makes one referral.",
            code: .required)
    }

    private static func requester(_ request: [String: IntakeJSON], _ read: IntakeReader) throws(FHIRIntakeError)
        -> (name: String, npi: String?)
    {
        let requester = try read.object(request["requester"], at: "ServiceRequest.requester")
        guard let name = try read.string(requester?["display"], at: "ServiceRequest.requester.display") else {
            throw FHIRIntakeError(
                "ServiceRequest.requester.display", "The referring clinician's name is required in requester.display.",
                code: .required)
        }
        // Reference.identifier is one Identifier; some senders write a list, which is read the same way.
        var candidates: [(IntakeJSON, String)] = []
        switch requester?["identifier"] {
        case .array(let items):
            candidates = items.enumerated().map { ($1, "ServiceRequest.requester.identifier[\($0)]") }
        case .some(let item): candidates = [(item, "ServiceRequest.requester.identifier")]
        case nil: break
        }
        for (item, path) in candidates {
            let identifier = try read.object(item, at: path)
            guard try read.string(identifier?["system"], at: path + ".system") == npiSystem else { continue }
            guard let npi = try read.string(identifier?["value"], at: path + ".value") else { continue }
            guard npi.utf8.count == 10, npi.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else {
                throw FHIRIntakeError(path + ".value", "A US NPI is ten digits.", code: .value)
            }
            return (name, npi)
        }
        return (name, nil)
    }

    private static func reason(_ request: [String: IntakeJSON], _ read: IntakeReader) throws(FHIRIntakeError)
        -> String
    {
        if let first = try read.array(request["reasonCode"], at: "ServiceRequest.reasonCode").first {
            let concept = try read.object(first, at: "ServiceRequest.reasonCode[0]")
            if let text = try read.string(concept?["text"], at: "ServiceRequest.reasonCode[0].text") {
                return text
            }
            let codings = try read.array(concept?["coding"], at: "ServiceRequest.reasonCode[0].coding")
            for (index, item) in codings.enumerated() {
                let path = "ServiceRequest.reasonCode[0].coding[\(index)]"
                let coding = try read.object(item, at: path)
                // A clinical-flag coding says something about the patient, not why they are referred.
                if try read.string(coding?["system"], at: path + ".system") == FHIRClinicalFlag.system { continue }
                if let display = try read.string(coding?["display"], at: path + ".display") { return display }
            }
        }
        if let first = try read.array(request["note"], at: "ServiceRequest.note").first,
            let text = try read.string(
                read.object(first, at: "ServiceRequest.note[0]")?["text"],
                at: "ServiceRequest.note[0].text")
        {
            return text
        }
        throw FHIRIntakeError(
            "ServiceRequest.reasonCode",
            "The reason for referral is required: reasonCode[0].text, a reasonCode coding's display, or note[0].text.",
            code: .required)
    }

    private static func imagingResultIDs(_ request: [String: IntakeJSON], _ read: IntakeReader)
        throws(FHIRIntakeError) -> [String]
    {
        let items = try read.array(request["supportingInfo"], at: "ServiceRequest.supportingInfo")
        guard items.count <= 50 else {
            throw FHIRIntakeError(
                "ServiceRequest.supportingInfo", "At most 50 supporting references are read.", code: .tooCostly)
        }
        var ids: [String] = []
        for (index, item) in items.enumerated() {
            let path = "ServiceRequest.supportingInfo[\(index)].reference"
            guard let reference = try read.string(read.object(item, at: path)?["reference"], at: path),
                reference.hasPrefix("DiagnosticReport/")
            else { continue }  // Other supporting information is the sender's business.
            guard let id = ImagingResultID(string: String(reference.dropFirst("DiagnosticReport/".count))) else {
                throw FHIRIntakeError(
                    path, "DiagnosticReport references must name one of this clinic's imaging results by its UUID.",
                    code: .value)
            }
            if !ids.contains(id.description) { ids.append(id.description) }
        }
        return ids
    }

    private static func patient(_ request: [String: IntakeJSON], _ read: IntakeReader, imagingGiven: Bool)
        throws(FHIRIntakeError) -> ReferralDraft.PatientDraft?
    {
        let subject = try read.object(request["subject"], at: "ServiceRequest.subject")
        guard let reference = try read.string(subject?["reference"], at: "ServiceRequest.subject.reference") else {
            if imagingGiven { return nil }
            throw FHIRIntakeError(
                "ServiceRequest.subject",
                "The patient is required: a contained Patient referenced as #id, unless supportingInfo references"
                    + " this clinic's imaging results (DiagnosticReport/<id>).", code: .required)
        }
        guard reference.hasPrefix("#"), reference.count > 1 else {
            throw FHIRIntakeError(
                "ServiceRequest.subject.reference",
                "The subject must reference a contained Patient (\"#id\"); \(reference) cannot be resolved here.",
                code: .notSupported)
        }
        let id = String(reference.dropFirst())
        for (index, item) in try read.array(request["contained"], at: "ServiceRequest.contained").enumerated() {
            let resource = try read.object(item, at: "ServiceRequest.contained[\(index)]")
            guard let resource,
                try read.string(resource["id"], at: "ServiceRequest.contained[\(index)].id") == id,
                try read.string(resource["resourceType"], at: "ServiceRequest.contained[\(index)].resourceType")
                    == "Patient"
            else { continue }
            return try patientDraft(resource, read)
        }
        throw FHIRIntakeError(
            "ServiceRequest.subject.reference", "No contained Patient has the id \(id).", code: .required)
    }

    private static func patientDraft(_ patient: [String: IntakeJSON], _ read: IntakeReader)
        throws(FHIRIntakeError) -> ReferralDraft.PatientDraft
    {
        // The MRN: the identifier typed MR (v2 table 0203), else the first identifier's value.
        var mrn: String?
        var firstValue: String?
        for (index, item) in try read.array(patient["identifier"], at: "Patient.identifier").enumerated() {
            let path = "Patient.identifier[\(index)]"
            let identifier = try read.object(item, at: path)
            guard let value = try read.string(identifier?["value"], at: path + ".value") else { continue }
            if firstValue == nil { firstValue = value }
            let type = try read.object(identifier?["type"], at: path + ".type")
            for (codingIndex, codingItem) in try read.array(type?["coding"], at: path + ".type.coding").enumerated() {
                let coding = try read.object(codingItem, at: path + ".type.coding[\(codingIndex)]")
                if try read.string(coding?["code"], at: path + ".type.coding[\(codingIndex)].code") == "MR" {
                    mrn = value
                    break
                }
            }
            if mrn != nil { break }
        }
        guard let mrn = mrn ?? firstValue else {
            throw FHIRIntakeError(
                "Patient.identifier", "The patient's medical record number is required (an identifier typed MR).",
                code: .required)
        }
        guard let firstName = try read.array(patient["name"], at: "Patient.name").first else {
            throw FHIRIntakeError("Patient.name", "The patient's name is required.", code: .required)
        }
        let name = try read.object(firstName, at: "Patient.name[0]")
        guard let family = try read.string(name?["family"], at: "Patient.name[0].family") else {
            throw FHIRIntakeError("Patient.name.family", "The patient's family name is required.", code: .required)
        }
        guard
            let given = try read.array(name?["given"], at: "Patient.name[0].given").first.flatMap({
                item throws(FHIRIntakeError) in try read.string(item, at: "Patient.name[0].given[0]")
            })
        else {
            throw FHIRIntakeError("Patient.name.given", "The patient's given name is required.", code: .required)
        }
        guard let birthDate = try read.string(patient["birthDate"], at: "Patient.birthDate") else {
            throw FHIRIntakeError("Patient.birthDate", "The patient's birth date is required.", code: .required)
        }
        guard (try? LocalDate(iso8601: birthDate)) != nil else {
            throw FHIRIntakeError(
                "Patient.birthDate",
                "The birth date must be a full calendar date as YYYY-MM-DD; a year or month alone cannot match a patient.",
                code: .value)
        }
        let sex: AdministrativeSex
        switch try read.string(patient["gender"], at: "Patient.gender") {
        case nil: sex = .unknown  // FHIR makes gender optional; not stated is unknown.
        case let text?:
            guard let known = AdministrativeSex(rawValue: text) else {
                throw FHIRIntakeError(
                    "Patient.gender", "The gender must be female, male, other or unknown, not \(text).", code: .value)
            }
            sex = known
        }
        return ReferralDraft.PatientDraft(
            mrn: mrn, givenName: given, familyName: family, birthDate: birthDate, sex: sex)
    }

    private static func clinicID(_ request: [String: IntakeJSON], _ read: IntakeReader, imagingGiven: Bool)
        throws(FHIRIntakeError) -> String?
    {
        let path = "ServiceRequest.locationReference[0].reference"
        guard let first = try read.array(request["locationReference"], at: "ServiceRequest.locationReference").first,
            let reference = try read.string(
                read.object(first, at: "ServiceRequest.locationReference[0]")?["reference"],
                at: path)
        else {
            if imagingGiven { return nil }
            throw FHIRIntakeError(
                "ServiceRequest.locationReference",
                "The clinic is required as locationReference Location/<clinic id>, unless supportingInfo references"
                    + " this clinic's imaging results.", code: .required)
        }
        guard reference.hasPrefix("Location/"),
            let id = ClinicID(string: String(reference.dropFirst("Location/".count)))
        else {
            throw FHIRIntakeError(path, "The clinic must be referenced as Location/<clinic id (a UUID)>.", code: .value)
        }
        return id.description
    }

    private static func symptomOnset(_ request: [String: IntakeJSON], _ read: IntakeReader)
        throws(FHIRIntakeError) -> String?
    {
        let path = "ServiceRequest.extension('\(FHIRExtensionURL.symptomOnset)')"
        for (index, item) in try read.array(request["extension"], at: "ServiceRequest.extension").enumerated() {
            let element = try read.object(item, at: "ServiceRequest.extension[\(index)]")
            guard
                try read.string(element?["url"], at: "ServiceRequest.extension[\(index)].url")
                    == FHIRExtensionURL.symptomOnset
            else { continue }
            guard let text = try read.string(element?["valueDate"], at: path + ".valueDate"),
                (try? LocalDate(iso8601: text)) != nil
            else {
                throw FHIRIntakeError(
                    path + ".valueDate", "The symptom onset must be a date as YYYY-MM-DD.", code: .value)
            }
            return text
        }
        return nil
    }

    private static func flags(_ request: [String: IntakeJSON], _ read: IntakeReader) throws(FHIRIntakeError)
        -> ClinicalFlags
    {
        var flags = ClinicalFlags()
        for element in ["orderDetail", "reasonCode"] {
            for (index, item) in try read.array(request[element], at: "ServiceRequest.\(element)").enumerated() {
                let path = "ServiceRequest.\(element)[\(index)]"
                let concept = try read.object(item, at: path)
                for (codingIndex, codingItem) in try read.array(concept?["coding"], at: path + ".coding").enumerated() {
                    let codingPath = path + ".coding[\(codingIndex)]"
                    let coding = try read.object(codingItem, at: codingPath)
                    guard try read.string(coding?["system"], at: codingPath + ".system") == FHIRClinicalFlag.system
                    else { continue }
                    let code = try read.string(coding?["code"], at: codingPath + ".code")
                    guard let flag = code.flatMap(FHIRClinicalFlag.init(rawValue:)) else {
                        throw FHIRIntakeError(
                            codingPath + ".code",
                            "Clinical flag codes are "
                                + FHIRClinicalFlag.allCases.map(\.rawValue).joined(separator: ", ") + ".",
                            code: .codeInvalid)
                    }
                    flag.set(in: &flags)
                }
            }
        }
        return flags
    }

    private static func isVisibleASCII(_ text: String, maximum: Int) -> Bool {
        (1...maximum).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
