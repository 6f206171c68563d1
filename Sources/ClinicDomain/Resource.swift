import Foundation

/// Marker for resource identifiers.
public enum ResourceTag {}
public typealias ResourceID = Identifier<ResourceTag>

/// What a resource is; a procedure needs a room and a proceduralist (and anesthesia when general).
public enum ResourceKind: String, CaseIterable, Sendable, Codable {
    case procedureRoom = "procedure_room"
    case consultRoom = "consult_room"
    case proceduralist
    case evaluator
    case anesthesia
}

/// A bookable room or person at a clinic.
public struct Resource: Hashable, Sendable {
    public let id: ResourceID
    public let clinicID: ClinicID
    public let kind: ResourceKind
    public let name: BoundedText

    public init(id: ResourceID, clinicID: ClinicID, kind: ResourceKind, name: BoundedText) {
        self.id = id
        self.clinicID = clinicID
        self.kind = kind
        self.name = name
    }
}
