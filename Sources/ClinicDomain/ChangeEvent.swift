import Foundation

/// The kinds of thing the change feed announces, by the name clients and webhooks see.
public enum ChangeType: String, CaseIterable, Sendable, Codable {
    case referralCreated = "referral.created"
    case referralUpdated = "referral.updated"
    case referralTriaged = "referral.triaged"
    case referralRetriaged = "referral.retriaged"
    case referralUrgencyOverridden = "referral.urgency_overridden"
    case referralRoutedToSurgicalReview = "referral.routed_to_surgical_review"
    case referralReturnedFromSurgicalReview = "referral.returned_from_surgical_review"
    case referralEvaluationScheduled = "referral.evaluation_scheduled"
    case referralEvaluated = "referral.evaluated"
    case referralProcedureScheduled = "referral.procedure_scheduled"
    case referralProcedureCompleted = "referral.procedure_completed"
    case referralFollowUpScheduled = "referral.follow_up_scheduled"
    case referralBookingReleased = "referral.booking_released"
    case referralClosed = "referral.closed"
    case referralCancelled = "referral.cancelled"
    case appointmentHeld = "appointment.held"
    case appointmentBooked = "appointment.booked"
    case appointmentConfirmed = "appointment.confirmed"
    case appointmentCheckedIn = "appointment.checked_in"
    case appointmentRescheduled = "appointment.rescheduled"
    case appointmentCompleted = "appointment.completed"
    case appointmentCancelled = "appointment.cancelled"
    case appointmentNoShow = "appointment.no_show"
    case offerMade = "offer.made"
    case offerAccepted = "offer.accepted"
    case offerDeclined = "offer.declined"
    case offerExpired = "offer.expired"
}

/// What an event is about.
public enum ChangeEntity: String, Sendable, Codable {
    case referral, appointment, offer
}

/// One thing that happened to a referral, an appointment or a waitlist offer, as the feed and
/// webhooks announce it: ids and states, never a patient's name.
public struct ChangeEvent: Hashable, Sendable {
    /// The event's own id, for de-duplication by receivers.
    public let id: UUID
    /// Its place in the feed: strictly increasing in the order events became visible.
    public let position: Int64
    public let type: ChangeType
    public let occurredAt: Date
    public let clinicID: ClinicID
    public let referralID: ReferralID
    public let entity: ChangeEntity
    public let entityID: UUID
    /// The new state: `status`/`fromStatus`, or `kind`/`state`/`startsAt`/`endsAt`, or the offer's.
    public let data: [String: String]

    public init(
        id: UUID, position: Int64, type: ChangeType, occurredAt: Date, clinicID: ClinicID, referralID: ReferralID,
        entity: ChangeEntity, entityID: UUID, data: [String: String]
    ) {
        self.id = id
        self.position = position
        self.type = type
        self.occurredAt = occurredAt
        self.clinicID = clinicID
        self.referralID = referralID
        self.entity = entity
        self.entityID = entityID
        self.data = data
    }
}
