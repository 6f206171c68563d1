import Foundation

/// Marker for webhook subscription identifiers.
public enum WebhookTag {}
public typealias WebhookID = Identifier<WebhookTag>

/// Where a webhook is delivered: an absolute http or https URL with a host, no credentials in it
/// (they would be logged and shown), no fragment.
public struct WebhookURL: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ text: String) throws {
        let problem = ValidationError(
            pointer: "/url", message: "must be an absolute http or https URL with a host, without user or password")
        guard text.utf8.count <= 2000,
            !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }),
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.fragment == nil
        else { throw problem }
        if let port = components.port, !(1...65535).contains(port) { throw problem }
        value = text
    }

    public var description: String { value }
}

/// A subscription of a URL to change events of some types and clinics.
public struct WebhookSubscription: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case active
        /// Deliveries kept failing; nothing more is tried until it is resumed.
        case paused(reason: String)
    }

    public let id: WebhookID
    public let url: WebhookURL
    /// The signing key (HMAC-SHA256).
    public let secret: String
    /// Empty: every type.
    public let eventTypes: [ChangeType]
    /// Empty: the whole network.
    public let clinicIDs: [ClinicID]
    public let description: String?
    public let state: State
    public let consecutiveFailures: Int
    public let lastError: String?
    public let nextAttemptAt: Date
    /// The feed position delivered (or passed over as not subscribed) up to.
    public let deliveredThrough: Int64
    public let createdAt: Date

    public init(
        id: WebhookID, url: WebhookURL, secret: String, eventTypes: [ChangeType], clinicIDs: [ClinicID],
        description: String?, state: State, consecutiveFailures: Int, lastError: String?, nextAttemptAt: Date,
        deliveredThrough: Int64, createdAt: Date
    ) {
        self.id = id
        self.url = url
        self.secret = secret
        self.eventTypes = eventTypes
        self.clinicIDs = clinicIDs
        self.description = description
        self.state = state
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.deliveredThrough = deliveredThrough
        self.createdAt = createdAt
    }

    /// Whether this subscription wants `event` delivered.
    public func wants(_ event: ChangeEvent) -> Bool {
        (eventTypes.isEmpty || eventTypes.contains(event.type))
            && (clinicIDs.isEmpty || clinicIDs.contains(event.clinicID))
    }
}

/// One attempt at delivering one event, as the delivery log keeps it.
public struct WebhookDelivery: Hashable, Sendable {
    public enum Outcome: String, Sendable { case delivered, failed }

    public let id: Int64
    public let eventID: UUID
    public let position: Int64
    public let eventType: ChangeType
    public let attempt: Int
    public let attemptedAt: Date
    public let durationMilliseconds: Int
    public let outcome: Outcome
    public let statusCode: Int?
    public let error: String?

    public init(
        id: Int64, eventID: UUID, position: Int64, eventType: ChangeType, attempt: Int, attemptedAt: Date,
        durationMilliseconds: Int, outcome: Outcome, statusCode: Int?, error: String?
    ) {
        self.id = id
        self.eventID = eventID
        self.position = position
        self.eventType = eventType
        self.attempt = attempt
        self.attemptedAt = attemptedAt
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
    }
}
