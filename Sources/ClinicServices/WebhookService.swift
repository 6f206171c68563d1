import ClinicDomain
import Crypto
import Foundation

/// Webhook subscriptions and their delivery log, stored; and what the dispatcher needs to
/// deliver exactly one server at a time per subscription.
public protocol WebhookStore: Sendable {
    /// Stores the subscription, starting after the feed's last placed position.
    func create(_ subscription: WebhookSubscription, actor: Actor) async throws -> WebhookSubscription
    func subscriptions() async throws -> [WebhookSubscription]
    func subscription(id: WebhookID) async throws -> WebhookSubscription?
    /// - Returns: false when there is no such subscription.
    func delete(id: WebhookID, actor: Actor) async throws -> Bool
    /// Active again, failures forgotten, next attempt now; false when there is no such subscription.
    func resume(id: WebhookID, actor: Actor) async throws -> Bool
    /// Attempts newest first, before `beforeID` when given: up to `limit + 1`.
    func deliveries(subscriptionID: WebhookID, before beforeID: Int64?, limit: Int) async throws -> [WebhookDelivery]
    /// How many placed events after its position the subscription wants.
    func backlog(of subscription: WebhookSubscription) async throws -> Int

    /// Leases one active subscription that is due and has events waiting, for `lease`; nil when none.
    func claim(owner: UUID, now: Date, lease: Duration) async throws -> WebhookSubscription?
    /// The placed events after the subscription's position, of its clinics, oldest first.
    func pending(for subscription: WebhookSubscription, limit: Int) async throws -> [ChangeEvent]
    /// Logs the attempt and, on success, moves the subscription's position to the event; on
    /// failure schedules the next attempt or pauses. False when `owner` no longer holds the lease.
    func record(_ attempt: WebhookAttempt, owner: UUID) async throws -> Bool
    /// Moves past events the subscription does not want, up to `position`.
    func skip(subscriptionID: WebhookID, through position: Int64, owner: UUID) async throws
    /// Gives the lease back; a subscription that is not waiting out a retry goes behind the
    /// others due by `now`, so that one with a long backlog does not keep the server to itself.
    func release(subscriptionID: WebhookID, owner: UUID, now: Date) async throws
}

/// One delivery attempt's result, as the dispatcher records it.
public struct WebhookAttempt: Sendable {
    public let subscriptionID: WebhookID
    public let event: ChangeEvent
    public let attempt: Int
    public let at: Date
    public let durationMilliseconds: Int
    public let statusCode: Int?
    /// Nil when delivered.
    public let error: String?
    /// After a failure: when to try again, or nil to pause the subscription.
    public let retryAt: Date?
    public let pauseReason: String?
    /// The lease, renewed with each attempt, now lasts until then.
    public let leaseUntil: Date

    public var delivered: Bool { error == nil }
}

/// Signs webhook bodies: HMAC-SHA256 over "<timestamp>.<body>", hex, as `v1=<hex>`.
public enum WebhookSignature {
    public static func sign(body: [UInt8], timestamp: Int64, secret: String) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "v1=" + code.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// A new random signing key: 32 bytes, hex, with a recognisable prefix.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_"
            + (0..<32).map { _ in
                String(UInt8.random(in: .min ... .max, using: &generator), radix: 16).leftPadded(to: 2)
            }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A subscription with what its screen shows beside it.
public struct WebhookView: Sendable {
    public let subscription: WebhookSubscription
    public let backlog: Int
}

/// Subscribing URLs to change events (admin), within the actor's clinics.
public struct WebhookService: Sendable {
    private let store: any WebhookStore
    private let clinics: any ClinicStore
    private let reach: ClinicReach
    public static let maximumDeliveryPage = 100
    private static let noWebhook = ServiceError.notFound(entity: "webhook subscription")

    public init(store: any WebhookStore, clinics: any ClinicStore, reach: ClinicReach) {
        self.store = store
        self.clinics = clinics
        self.reach = reach
    }

    /// Subscribes `url` to events of `eventTypes` (all when empty) at `clinicIDs` (all the actor
    /// reaches when empty). The answer carries the secret, this once.
    public func create(
        url: String, eventTypes: [ChangeType], clinicIDs: [ClinicID], description: String?, actor: Actor
    ) async throws -> WebhookView {
        var collector = ViolationCollector()
        let url = collector.check("/url") { try WebhookURL(url) }
        if Set(eventTypes).count != eventTypes.count { collector.add("/eventTypes", "lists a type twice") }
        if Set(clinicIDs).count != clinicIDs.count { collector.add("/clinicIds", "lists a clinic twice") }
        if clinicIDs.count > 100 { collector.add("/clinicIds", "may list at most 100 clinics") }
        if let description, description.unicodeScalars.count > 500 {
            collector.add("/description", "must be at most 500 characters")
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        for (index, clinic) in clinicIDs.enumerated() {
            try await reach.require(
                clinic, actor, else: .unknownReference(pointer: "/clinicIds/\(index)", entity: "clinic"))
            guard try await clinics.clinic(id: clinic) != nil else {
                throw ServiceError.unknownReference(pointer: "/clinicIds/\(index)", entity: "clinic")
            }
        }
        let scoped: [ClinicID] = clinicIDs.isEmpty ? (actor.scope.clinicIDs ?? []) : clinicIDs
        guard let url else { throw ServiceError.invalid("/url", "is required") }
        let subscription = WebhookSubscription(
            id: .random(), url: url, secret: WebhookSignature.newSecret(), eventTypes: eventTypes,
            clinicIDs: scoped.sorted { $0.description < $1.description }, description: description, state: .active,
            consecutiveFailures: 0, lastError: nil, nextAttemptAt: actor.at, deliveredThrough: 0, createdAt: actor.at)
        let stored = try await store.create(subscription, actor: actor)
        return WebhookView(subscription: stored, backlog: 0)
    }

    /// The subscriptions whose clinics the actor reaches, oldest first.
    public func list(actor: Actor) async throws -> [WebhookView] {
        var views: [WebhookView] = []
        for subscription in try await store.subscriptions() where reaches(subscription, actor) {
            views.append(WebhookView(subscription: subscription, backlog: try await store.backlog(of: subscription)))
        }
        return views
    }

    public func get(id: WebhookID, actor: Actor) async throws -> WebhookView {
        let subscription = try await visible(id, actor)
        return WebhookView(subscription: subscription, backlog: try await store.backlog(of: subscription))
    }

    public func delete(id: WebhookID, actor: Actor) async throws {
        _ = try await visible(id, actor)
        guard try await store.delete(id: id, actor: actor) else { throw Self.noWebhook }
    }

    /// Active again from the event that failed last.
    public func resume(id: WebhookID, actor: Actor) async throws -> WebhookView {
        _ = try await visible(id, actor)
        guard try await store.resume(id: id, actor: actor) else { throw Self.noWebhook }
        return try await get(id: id, actor: actor)
    }

    /// The delivery log, newest attempt first.
    public func deliveries(id: WebhookID, before: Int64?, limit: Int, actor: Actor) async throws
        -> (items: [WebhookDelivery], next: Int64?)
    {
        guard (1...Self.maximumDeliveryPage).contains(limit) else {
            throw ServiceError.invalid("/limit", "must be from 1 to \(Self.maximumDeliveryPage)")
        }
        _ = try await visible(id, actor)
        let rows = try await store.deliveries(subscriptionID: id, before: before, limit: limit)
        let items = Array(rows.prefix(limit))
        return (items, rows.count > limit ? items.last?.id : nil)
    }

    /// A subscription is the actor's to see when the actor reaches every clinic it covers.
    private func reaches(_ subscription: WebhookSubscription, _ actor: Actor) -> Bool {
        if subscription.clinicIDs.isEmpty { return actor.scope.isNetwork }
        return subscription.clinicIDs.allSatisfy { actor.scope.reaches($0) }
    }

    private func visible(_ id: WebhookID, _ actor: Actor) async throws -> WebhookSubscription {
        guard let subscription = try await store.subscription(id: id), reaches(subscription, actor) else {
            throw Self.noWebhook
        }
        return subscription
    }
}
