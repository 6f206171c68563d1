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
    /// False once deactivated: offered for no new booking, kept for the bookings it had.
    public let active: Bool

    public init(id: ResourceID, clinicID: ClinicID, kind: ResourceKind, name: BoundedText, active: Bool = true) {
        self.id = id
        self.clinicID = clinicID
        self.kind = kind
        self.name = name
        self.active = active
    }
}

/// A live booking that holds a resource, named so that a person can find it and move it.
public struct BookingReference: Hashable, Sendable {
    public let appointmentID: AppointmentID
    public let referralID: ReferralID
    public let kind: VisitKind
    public let state: AppointmentState
    public let during: Range<Date>

    public init(
        appointmentID: AppointmentID, referralID: ReferralID, kind: VisitKind, state: AppointmentState,
        during: Range<Date>
    ) {
        self.appointmentID = appointmentID
        self.referralID = referralID
        self.kind = kind
        self.state = state
        self.during = during
    }
}

/// Marker for block identifiers.
public enum BlockTag {}
public typealias BlockID = Identifier<BlockTag>

/// Why a resource is unavailable.
public enum BlockKind: String, CaseIterable, Sendable, Codable { case holiday, leave, maintenance, other }

/// Time a resource cannot be booked (holiday, leave, maintenance), with why.
public struct ResourceBlock: Hashable, Sendable {
    public let id: BlockID
    public let resourceID: ResourceID
    public let during: Range<Date>
    public let kind: BlockKind
    public let reason: BoundedText
    /// True when laid over the resource's bookings on purpose.
    public let overBookings: Bool

    public init(
        id: BlockID, resourceID: ResourceID, starts: Date, ends: Date, kind: BlockKind, reason: BoundedText,
        overBookings: Bool = false
    ) throws {
        guard Date.storableRange.contains(starts) else {
            throw ValidationError(pointer: "/starts", message: "must be within years 0001-9999")
        }
        guard Date.storableRange.contains(ends) else {
            throw ValidationError(pointer: "/ends", message: "must be within years 0001-9999")
        }
        guard starts < ends else { throw ValidationError(pointer: "/ends", message: "must be after starts") }
        guard ends.timeIntervalSince(starts) <= 366 * 86_400 else {
            throw ValidationError(pointer: "/ends", message: "a block may last at most a year")
        }
        self.id = id
        self.resourceID = resourceID
        self.during = starts..<ends
        self.kind = kind
        self.reason = reason
        self.overBookings = overBookings
    }
}

/// A resource with its weekly template.
public struct ResourceSetup: Hashable, Sendable {
    public let resource: Resource
    public let windows: [WeeklyWindow]

    public init(resource: Resource, windows: [WeeklyWindow]) {
        self.resource = resource
        self.windows = windows
    }
}

/// A clinic with everything scheduling needs to know about it.
public struct ClinicSetup: Hashable, Sendable {
    public let clinic: Clinic
    public let hours: [OpeningHours]
    public let targets: TriageTargets
    public let minutesPerLevel: Int
    public let turnoverMinutes: Int
    public let recoveryMinutes: Int
    public let evaluationMinutes: Int
    public let followUpMinutes: Int

    public init(
        clinic: Clinic, hours: [OpeningHours], targets: TriageTargets, minutesPerLevel: Int, turnoverMinutes: Int,
        recoveryMinutes: Int, evaluationMinutes: Int, followUpMinutes: Int
    ) {
        self.clinic = clinic
        self.hours = hours
        self.targets = targets
        self.minutesPerLevel = minutesPerLevel
        self.turnoverMinutes = turnoverMinutes
        self.recoveryMinutes = recoveryMinutes
        self.evaluationMinutes = evaluationMinutes
        self.followUpMinutes = followUpMinutes
    }
}
