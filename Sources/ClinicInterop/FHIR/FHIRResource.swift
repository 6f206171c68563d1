/// Any resource this server writes, so a Bundle or an NDJSON file can hold several kinds.
public enum FHIRResource: Encodable, Sendable, Hashable {
    case patient(FHIRPatient)
    case serviceRequest(FHIRServiceRequest)
    case appointment(FHIRAppointment)
    case schedule(FHIRSchedule)
    case slot(FHIRSlot)
    case location(FHIRLocation)
    case diagnosticReport(FHIRDiagnosticReport)
    case capabilityStatement(FHIRCapabilityStatement)
    case operationOutcome(FHIROperationOutcome)

    public var resourceType: String {
        switch self {
        case .patient(let resource): resource.resourceType
        case .serviceRequest(let resource): resource.resourceType
        case .appointment(let resource): resource.resourceType
        case .schedule(let resource): resource.resourceType
        case .slot(let resource): resource.resourceType
        case .location(let resource): resource.resourceType
        case .diagnosticReport(let resource): resource.resourceType
        case .capabilityStatement(let resource): resource.resourceType
        case .operationOutcome(let resource): resource.resourceType
        }
    }

    /// Nil for the resources that have no id of their own here.
    public var id: String? {
        switch self {
        case .patient(let resource): resource.id
        case .serviceRequest(let resource): resource.id
        case .appointment(let resource): resource.id
        case .schedule(let resource): resource.id
        case .slot(let resource): resource.id
        case .location(let resource): resource.id
        case .diagnosticReport(let resource): resource.id
        case .capabilityStatement, .operationOutcome: nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        // The wrapped resource writes itself into the same container: no wrapper object in the JSON.
        switch self {
        case .patient(let resource): try resource.encode(to: encoder)
        case .serviceRequest(let resource): try resource.encode(to: encoder)
        case .appointment(let resource): try resource.encode(to: encoder)
        case .schedule(let resource): try resource.encode(to: encoder)
        case .slot(let resource): try resource.encode(to: encoder)
        case .location(let resource): try resource.encode(to: encoder)
        case .diagnosticReport(let resource): try resource.encode(to: encoder)
        case .capabilityStatement(let resource): try resource.encode(to: encoder)
        case .operationOutcome(let resource): try resource.encode(to: encoder)
        }
    }
}
