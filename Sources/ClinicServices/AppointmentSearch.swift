import ClinicDomain
import Foundation

/// A search of appointments by start, oldest first: FHIR's Appointment search. Each bound is
/// optional; the day bounds are dates in each appointment's own clinic zone.
public struct AppointmentQuery: Hashable, Sendable {
    /// Starts at or after this instant.
    public var startFrom: Date?
    /// Starts before this instant.
    public var startBefore: Date?
    /// Starts on or after this day, in the clinic's zone.
    public var dayFrom: LocalDate?
    /// Starts before this day, in the clinic's zone.
    public var dayBefore: LocalDate?
    public var states: [AppointmentState]?
    public var patientID: PatientID?
    public var referralID: ReferralID?
    public var clinicID: ClinicID?
    public var kind: VisitKind?
    public var limit: Int
    public var after: AppointmentCursor?

    public init(
        startFrom: Date? = nil, startBefore: Date? = nil, dayFrom: LocalDate? = nil, dayBefore: LocalDate? = nil,
        states: [AppointmentState]? = nil, patientID: PatientID? = nil, referralID: ReferralID? = nil,
        clinicID: ClinicID? = nil, kind: VisitKind? = nil, limit: Int = 20, after: AppointmentCursor? = nil
    ) {
        self.referralID = referralID
        self.clinicID = clinicID
        self.kind = kind
        self.startFrom = startFrom
        self.startBefore = startBefore
        self.dayFrom = dayFrom
        self.dayBefore = dayBefore
        self.states = states
        self.patientID = patientID
        self.limit = limit
        self.after = after
    }
}

/// One page of an appointment search, each with its patient, and where the next page starts.
public struct AppointmentPage: Sendable {
    public let items: [(appointment: Appointment, patientID: PatientID)]
    public let next: AppointmentCursor?

    public init(items: [(appointment: Appointment, patientID: PatientID)], next: AppointmentCursor?) {
        self.items = items
        self.next = next
    }
}

extension SchedulingService {
    /// The largest page an appointment search returns.
    public static let maximumSearchPage = 100

    /// Appointments of the actor's clinics matching `query`; audited as a read of patient data.
    public func searchAppointments(_ query: AppointmentQuery, limitPointer: String = "/_count", actor: Actor)
        async throws -> AppointmentPage
    {
        guard (1...Self.maximumSearchPage).contains(query.limit) else {
            throw ServiceError.invalid(limitPointer, "must be from 1 to \(Self.maximumSearchPage)")
        }
        if let from = query.dayFrom, let before = query.dayBefore, before <= from {
            throw ServiceError.invalid("/to", "must not be before from")
        }
        // Another clinic's appointments are not there to list: an empty page, as for referrals.
        if let clinic = query.clinicID, !actor.scope.reaches(clinic) { return AppointmentPage(items: [], next: nil) }
        for bound in [query.startFrom, query.startBefore].compactMap({ $0 }) where !Date.storableRange.contains(bound) {
            throw ServiceError.invalid("/date", "must be within years 0001-9999")
        }
        let page = try await store.searchAppointments(query, scope: actor.scope)
        try await reach.audit.record(
            AuditEntry(actor: actor, action: "appointment.list", entityType: "appointment", entityID: nil))
        return page
    }
}
