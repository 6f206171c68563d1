import ClinicDomain

/// The ways a use case refuses; the API maps each to one HTTP status and problem type.
public enum ServiceError: Error, Sendable, Equatable {
    /// Input breaks a rule; names each field (400).
    case invalid(ValidationError)
    /// A well-formed request names an entity that does not exist, e.g. an unknown clinic id (422).
    case unknownReference(pointer: String, entity: String)
    /// The addressed entity does not exist, or the caller may not know it exists (404).
    case notFound(entity: String)
    /// The referral is not in a state that allows this (409).
    case illegalTransition(current: ReferralStatus, attempted: String)
    /// The request contradicts stored data, e.g. an MRN that belongs to another person (409).
    case conflict(String)
    /// A booking cannot be confirmed yet; lists each unmet readiness item (409).
    case notReady([FieldViolation])
    /// Another write changed the entity first (412).
    case versionMismatch(current: Int)
    /// A waitlist offer already ended (accepted, declined or expired), named here (409).
    case offerClosed(String)
    /// An Idempotency-Key was reused with a different request (422).
    case idempotencyKeyReused
    /// The caller's token may call the operation but not here: a clinic-scoped token asking for
    /// something only a network-wide token may do, such as creating a clinic (403).
    case forbidden(String)
    /// Live bookings stand in the way (deactivating a resource, blocking its time); each is named (409).
    case bookingsInTheWay(String, [BookingReference])
    /// Well-formed input that cannot be used as it is, e.g. a template that does not parse (422).
    case unprocessable(ValidationError)
    /// The database could not be reached in time (503).
    case unavailable(String)

    public static func invalid(_ pointer: String, _ message: String) -> ServiceError {
        .invalid(ValidationError(pointer: pointer, message: message))
    }
}
