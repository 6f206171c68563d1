import ClinicDomain
import Foundation
import Logging

/// Sends one webhook request; the dispatcher decides what its answer means.
public protocol WebhookTransport: Sendable {
    /// POSTs `body` to `url` with `headers`; the HTTP status, or a thrown error when no answer came
    /// within `timeout`.
    func post(url: WebhookURL, body: [UInt8], headers: [(String, String)], timeout: Duration) async throws -> Int
}

/// How deliveries are paced: the timeout per request, the backoff between retries, when a
/// subscription is paused, and how often the outbox is looked at.
public struct WebhookPolicy: Sendable {
    /// Consecutive failed attempts after which a subscription is paused.
    public var pauseAfterFailures: Int
    /// The wait after the first failure; it doubles with each further one, up to `maximumDelay`.
    public var firstRetryDelay: Duration
    public var maximumDelay: Duration
    public var requestTimeout: Duration
    /// How long a server holds a subscription it delivers for; another takes over after it.
    public var lease: Duration
    /// How often an idle dispatcher looks for committed changes.
    public var pollInterval: Duration
    /// Events delivered per lease.
    public var batch: Int

    public init(
        pauseAfterFailures: Int = 8, firstRetryDelay: Duration = .seconds(5), maximumDelay: Duration = .seconds(600),
        requestTimeout: Duration = .seconds(10), lease: Duration = .seconds(60),
        pollInterval: Duration = .milliseconds(250), batch: Int = 100
    ) {
        self.pauseAfterFailures = pauseAfterFailures
        self.firstRetryDelay = firstRetryDelay
        self.maximumDelay = maximumDelay
        self.requestTimeout = requestTimeout
        self.lease = lease
        self.pollInterval = pollInterval
        self.batch = batch
    }

    /// The wait before retrying after the `failures`-th consecutive failure.
    public func delay(afterFailures failures: Int) -> Duration {
        var delay = firstRetryDelay
        for _ in 1..<max(failures, 1) {
            delay *= 2
            if delay >= maximumDelay { return maximumDelay }
        }
        return min(delay, maximumDelay)
    }
}

/// Delivers the change feed to webhook subscriptions: at least once, in feed order per
/// subscription (so in order per referral), signed, retried with backoff, paused when a
/// receiver keeps failing. Every server runs one; a lease on each subscription makes exactly one
/// of them deliver for it at a time, and the position it records survives any restart.
public struct WebhookDispatcher: Sendable {
    private let store: any WebhookStore
    private let changes: any ChangeStore
    private let transport: any WebhookTransport
    private let policy: WebhookPolicy
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// This server's name on the leases it holds.
    private let owner = UUID()

    public init(
        store: any WebhookStore, changes: any ChangeStore, transport: any WebhookTransport, policy: WebhookPolicy,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.store = store
        self.changes = changes
        self.transport = transport
        self.policy = policy
        self.now = now
        self.logger = logger
    }

    /// Runs until cancelled. A database outage is logged and waited out.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("webhook dispatch failed; retrying", metadata: ["error": "\(error)"])
                // A database that is away stays away a while: look again in seconds, not every tick.
                try? await Task.sleep(for: .seconds(2))
            }
            try? await Task.sleep(for: policy.pollInterval)
        }
    }

    /// Places committed changes, then delivers for every subscription that is due. Returns the
    /// number of attempts made.
    @discardableResult public func runOnce() async throws -> Int {
        try await changes.sequence()
        var attempts = 0
        while !Task.isCancelled, let subscription = try await store.claim(owner: owner, now: now(), lease: policy.lease)
        {
            do {
                attempts += try await deliver(for: subscription)
            } catch {
                try? await store.release(subscriptionID: subscription.id, owner: owner, now: now())
                throw error
            }
            try await store.release(subscriptionID: subscription.id, owner: owner, now: now())
        }
        return attempts
    }

    /// Delivers the subscription's waiting events in order; stops at the first failure.
    private func deliver(for subscription: WebhookSubscription) async throws -> Int {
        var attempts = 0
        var skippedThrough: Int64?
        // Failures in a row as they stand: a delivery in this batch resets them, as it does stored.
        var failures = subscription.consecutiveFailures
        for event in try await store.pending(for: subscription, limit: policy.batch) {
            guard subscription.wants(event) else {
                skippedThrough = event.position
                continue
            }
            if let through = skippedThrough {
                try await store.skip(subscriptionID: subscription.id, through: through, owner: owner)
                skippedThrough = nil
            }
            attempts += 1
            let attempt = await send(event, to: subscription, failuresBefore: failures)
            guard try await store.record(attempt, owner: owner) else { return attempts }  // lease lost
            failures = attempt.delivered ? 0 : failures + 1
            if !attempt.delivered {
                logger.notice(
                    "webhook delivery failed",
                    metadata: [
                        "subscription": "\(subscription.id)", "event": "\(event.id)", "attempt": "\(attempt.attempt)",
                        "error": "\(attempt.error ?? "")", "paused": "\(attempt.retryAt == nil)",
                    ])
                return attempts
            }
        }
        if let through = skippedThrough {
            try await store.skip(subscriptionID: subscription.id, through: through, owner: owner)
        }
        return attempts
    }

    private func send(_ event: ChangeEvent, to subscription: WebhookSubscription, failuresBefore: Int) async
        -> WebhookAttempt
    {
        let body = ChangeEventBody(event).encoded()
        let sentAt = now()
        let timestamp = Int64(sentAt.timeIntervalSince1970.rounded(.down))
        let attemptNumber = failuresBefore + 1
        let headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "clinic-webhooks/1"),
            ("Clinic-Webhook-Id", event.id.uuidString.lowercased()),
            ("Clinic-Webhook-Type", event.type.rawValue),
            ("Clinic-Webhook-Timestamp", "\(timestamp)"),
            ("Clinic-Webhook-Attempt", "\(attemptNumber)"),
            (
                "Clinic-Webhook-Signature",
                WebhookSignature.sign(body: body, timestamp: timestamp, secret: subscription.secret)
            ),
        ]
        let clock = ContinuousClock()
        let started = clock.now
        var status: Int?
        var failure: String?
        do {
            status = try await transport.post(
                url: subscription.url, body: body, headers: headers, timeout: policy.requestTimeout)
            if let code = status, !(200..<300).contains(code) { failure = "the receiver answered HTTP \(code)" }
        } catch {
            failure = "no answer: \(String(describing: error).prefix(300))"
        }
        let elapsed = clock.now - started
        let milliseconds = Int(elapsed.wholeMilliseconds)
        let failures = failuresBefore + 1
        let pause = failure != nil && failures >= policy.pauseAfterFailures
        let retryAt: Date? =
            failure == nil || pause
            ? nil
            : sentAt.addingTimeInterval(policy.delay(afterFailures: failures).timeInterval)
        return WebhookAttempt(
            subscriptionID: subscription.id, event: event, attempt: attemptNumber, at: sentAt,
            durationMilliseconds: max(0, milliseconds), statusCode: status, error: failure, retryAt: retryAt,
            pauseReason: pause ? "paused after \(failures) failed deliveries in a row; last: \(failure ?? "")" : nil,
            leaseUntil: now().addingTimeInterval(policy.lease.timeInterval))
    }
}
