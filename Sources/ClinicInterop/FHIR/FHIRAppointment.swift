import ClinicDomain
import Foundation

/// FHIR R4 Appointment for a booked (or held) visit, with its patient and the rooms and people it holds.
public struct FHIRAppointment: Encodable, Sendable, Hashable {
    /// One entry of `Appointment.participant`.
    public struct Participant: Encodable, Sendable, Hashable {
        public var actor: FHIRReference
        public var required: String
        public var status: String
    }

    public let resourceType = "Appointment"
    public var id: String
    public var meta: FHIRMeta?
    public var status: String
    public var cancelationReason: FHIRCodeableConcept?
    public var serviceType: [FHIRCodeableConcept]
    public var appointmentType: FHIRCodeableConcept
    public var start: String
    public var end: String
    public var minutesDuration: Int?
    public var comment: String?
    public var basedOn: [FHIRReference]
    public var participant: [Participant]

    /// - Parameter zone: the clinic's zone, to write start and end on its wall clock; UTC when not given.
    /// - Parameter procedureLevels: for a procedure, the levels its evaluation planned (its CPT codes).
    public init(
        appointment: Appointment, patientID: PatientID, zone: TimeZone? = nil, procedureLevels: [VertebralLevel] = []
    ) {
        id = appointment.id.description
        meta = FHIRMeta(versionId: String(appointment.version), lastUpdated: nil)
        status = Self.status(appointment.state)
        // FHIR allows a cancellation reason on cancelled and no-show appointments only (app-4).
        if appointment.state == .cancelled || appointment.state == .noShow {
            cancelationReason = appointment.cancelReason.nonEmptyFHIRString.map { .text($0) }
        }
        // A procedure's CPT codes follow the levels its evaluation planned (one entry per code billed).
        let procedureCodes = appointment.kind == .procedure ? BillingCodes.kyphoplasty(levels: procedureLevels) : []
        serviceType =
            [.text(Self.serviceText(appointment.kind))]
            + procedureCodes.map { code in
                FHIRCodeableConcept(
                    coding: [FHIRCoding(system: BillingCodes.cptSystem, code: code.code, display: code.display)])
            }
        appointmentType = .text(Self.serviceText(appointment.kind))
        let write = { (date: Date) in zone.map { FHIRInstant.local(date, in: $0) } ?? FHIRInstant.utc(date) }
        start = write(appointment.start)
        end = write(appointment.end)
        let minutes = Int((appointment.end.timeIntervalSince(appointment.start) / 60).rounded())
        // positiveInt: a zero or negative length is left out rather than written wrong.
        minutesDuration = minutes >= 1 ? minutes : nil
        comment = appointment.overbookReason.nonEmptyFHIRString.map { "Overbooked: " + $0 }
        basedOn = [.to("ServiceRequest", appointment.referralID.description)]
        participant =
            [Participant(actor: .to("Patient", patientID.description), required: "required", status: "accepted")]
            + appointment.resources.map { resource in
                Participant(
                    actor: .to(Self.actorType(resource.kind), resource.id.description, display: resource.name.value),
                    required: "required", status: "accepted")
            }
    }

    /// Appointment.status for an appointment state: a hold is pending, a check-in is checked-in.
    public static func status(_ state: AppointmentState) -> String {
        switch state {
        case .held: "pending"
        case .booked, .confirmed: "booked"
        case .checkedIn: "checked-in"
        case .completed: "fulfilled"
        case .cancelled: "cancelled"
        case .noShow: "noshow"
        }
    }

    /// What the visit is, in words a patient portal can show.
    public static func serviceText(_ kind: VisitKind) -> String {
        switch kind {
        case .evaluation: "Kyphoplasty evaluation visit"
        case .procedure: "Kyphoplasty procedure"
        case .followUp: "Kyphoplasty follow-up visit"
        }
    }

    /// Rooms are Locations; clinicians and anesthesia providers are Practitioners.
    public static func actorType(_ kind: ResourceKind) -> String {
        switch kind {
        case .procedureRoom, .consultRoom: "Location"
        case .proceduralist, .evaluator, .anesthesia: "Practitioner"
        }
    }
}
