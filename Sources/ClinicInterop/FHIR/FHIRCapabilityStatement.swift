import Foundation

/// FHIR R4 CapabilityStatement (`GET /metadata`): what this server's FHIR endpoint reads, searches and creates.
public struct FHIRCapabilityStatement: Encodable, Sendable, Hashable {
    public struct Software: Encodable, Sendable, Hashable {
        public var name: String
        public var version: String?
    }

    public struct Implementation: Encodable, Sendable, Hashable {
        public var description: String
        public var url: String?
    }

    public struct Rest: Encodable, Sendable, Hashable {
        public var mode: String
        public var security: Security
        public var resource: [Resource]
    }

    public struct Security: Encodable, Sendable, Hashable {
        public var description: String
    }

    public struct Resource: Encodable, Sendable, Hashable {
        public var type: String
        public var interaction: [Interaction]
        public var searchParam: [SearchParam]?
    }

    public struct Interaction: Encodable, Sendable, Hashable {
        public var code: String
    }

    public struct SearchParam: Encodable, Sendable, Hashable {
        public var name: String
        public var type: String
        public var documentation: String?
    }

    public let resourceType = "CapabilityStatement"
    public var status: String
    public var date: String
    public var publisher: String
    public var kind: String
    public var software: Software
    public var implementation: Implementation
    public var fhirVersion: String
    public var format: [String]
    public var rest: [Rest]

    /// The statement of this server at `baseURL` (the FHIR base, e.g. `https://clinic.example.org/fhir`).
    public static func server(baseURL: String, software version: String, date: Date = Date()) -> Self {
        func param(_ name: String, _ type: String, _ documentation: String) -> SearchParam {
            SearchParam(name: name, type: type, documentation: documentation)
        }
        let count = param("_count", "number", "Page size; the next page is linked from the Bundle.")
        let dated = "Prefixes eq, ge, le, gt and lt; give two to bound a range."
        let resources = [
            Resource(type: "Patient", interaction: [.init(code: "read")], searchParam: nil),
            Resource(
                type: "ServiceRequest",
                interaction: [.init(code: "read"), .init(code: "search-type"), .init(code: "create")],
                searchParam: [
                    param("patient", "reference", "Patient/<id>: the referrals of one patient."),
                    param("status", "token", "active, completed or revoked."),
                    param("priority", "token", "routine, urgent or stat."),
                    count,
                ]),
            Resource(
                type: "Appointment", interaction: [.init(code: "read"), .init(code: "search-type")],
                searchParam: [
                    param("date", "date", "The appointment's start. " + dated),
                    param("status", "token", "pending, booked, checked-in, fulfilled, cancelled or noshow."),
                    param("patient", "reference", "Patient/<id>."),
                    count,
                ]),
            Resource(
                type: "Schedule", interaction: [.init(code: "read"), .init(code: "search-type")],
                searchParam: [
                    param("_id", "token", "The schedule id: <clinic id>-evaluation, -procedure or -follow-up."),
                    param("actor", "reference", "Location/<clinic id>."),
                ]),
            Resource(
                type: "Slot", interaction: [.init(code: "search-type")],
                searchParam: [
                    param("schedule", "reference", "Schedule/<id>; required."),
                    param("start", "date", "The slot's start. " + dated),
                    param("status", "token", "free or busy."),
                    count,
                ]),
            Resource(type: "DiagnosticReport", interaction: [.init(code: "read")], searchParam: nil),
            Resource(type: "Location", interaction: [.init(code: "read")], searchParam: nil),
        ]
        return FHIRCapabilityStatement(
            status: "active", date: FHIRInstant.utc(date), publisher: "Spine clinic scheduling service",
            kind: "instance", software: Software(name: "clinic", version: version.nonEmptyFHIRString),
            implementation: Implementation(
                description: "Spine clinic referrals, kyphoplasty scheduling and imaging results",
                url: baseURL.nonEmptyFHIRString),
            fhirVersion: "4.0.1", format: ["json", "application/fhir+json"],
            rest: [
                Rest(
                    mode: "server",
                    security: Security(description: "Bearer token (Authorization: Bearer <token>)"),
                    resource: resources)
            ])
    }
}
