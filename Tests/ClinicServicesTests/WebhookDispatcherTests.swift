import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Crypto
import Foundation
import Logging
import Synchronization
import Testing

/// The webhook dispatcher against the real outbox: what a receiver gets, in which order, signed
/// how; what happens when it keeps failing; and that two servers never both deliver.
@Suite("Webhook dispatcher")
struct WebhookDispatcherTests {
    /// A receiver at the network's edge: records each request and answers what it is told to.
    final class Receiver: WebhookTransport, Sendable {
        struct Request: Sendable {
            let body: [UInt8]
            let headers: [String: String]
        }
        private let state = Mutex<(requests: [Request], status: Int, script: [Int])>(([], 200, []))
        let delay: Duration

        init(delay: Duration = .zero) { self.delay = delay }

        var requests: [Request] { state.withLock { $0.requests } }
        func answer(_ status: Int) { state.withLock { $0.status = status } }
        /// The next answers, one per request, before the standing one applies again.
        func script(_ statuses: [Int]) { state.withLock { $0.script = statuses } }

        func post(url: WebhookURL, body: [UInt8], headers: [(String, String)], timeout: Duration) async throws -> Int {
            if delay > .zero { try await Task.sleep(for: delay) }
            return state.withLock {
                $0.requests.append(Request(body: body, headers: Dictionary(headers, uniquingKeysWith: { a, _ in a })))
                return $0.script.isEmpty ? $0.status : $0.script.removeFirst()
            }
        }
    }

    /// A clock the test moves, so that retry delays pass without waiting.
    final class TestClock: Sendable {
        private let instant = Mutex(Date())
        var now: Date { instant.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static func dispatcher(_ db: TestDatabase, _ receiver: Receiver, _ clock: TestClock, pauseAfter: Int = 3)
        -> WebhookDispatcher
    {
        var logger = Logger(label: "webhook-test")
        logger.logLevel = .critical
        return WebhookDispatcher(
            store: PostgresWebhookStore(database: db.database), changes: PostgresChangeStore(database: db.database),
            transport: receiver,
            policy: WebhookPolicy(
                pauseAfterFailures: pauseAfter, firstRetryDelay: .seconds(5), maximumDelay: .seconds(60)),
            now: { clock.now }, logger: logger)
    }

    /// A subscribed clinic, then two kyphoplasty candidates referred, evaluated and booked there.
    static func subscribedClinic(_ db: TestDatabase, eventTypes: [ChangeType] = []) async throws -> (
        clinic: Clinic, webhook: WebhookSubscription
    ) {
        let fixtures = Fixtures(db)
        let (clinic, _) = try await fixtures.schedulableClinic()
        let services = try fixtures.services()
        let webhook = try await services.webhooks.create(
            url: "https://hooks.desert-spine.example/referrals", eventTypes: eventTypes, clinicIDs: [clinic.id],
            description: "Reminder service", actor: Fixtures.operator_
        ).subscription
        var start = Fixtures.nextMondayMorning(in: clinic)
        for mrn in ["DSC-0101", "DSC-0102"] {
            let referral = try await fixtures.candidate(at: clinic, mrn: mrn, services: services)
            _ = try await services.scheduling.book(
                referralID: referral, kind: .procedure, start: start, resourceIDs: nil, idempotencyKey: nil,
                actor: Fixtures.operator_)
            start = start.addingTimeInterval(86_400)
        }
        return (clinic, webhook)
    }

    static func feed(_ db: TestDatabase) async throws -> [ChangeEvent] {
        let store = PostgresChangeStore(database: db.database)
        try await store.sequence()
        return try await store.changes(after: 0, types: nil, limit: 1000, scope: .network).events
    }

    @Test("every event reaches the receiver once, in feed order, signed over its timestamp and body")
    func deliversInOrderSigned() async throws {
        try await withTestDatabase { db in
            let (_, webhook) = try await Self.subscribedClinic(db)
            let receiver = Receiver()
            let clock = TestClock()
            let dispatcher = Self.dispatcher(db, receiver, clock)
            while try await dispatcher.runOnce() > 0 {}
            let feed = try await Self.feed(db)
            #expect(feed.count >= 10)
            let delivered = receiver.requests
            #expect(delivered.map { $0.headers["Clinic-Webhook-Id"] } == feed.map { $0.id.uuidString.lowercased() })
            for request in delivered {
                let timestamp = request.headers["Clinic-Webhook-Timestamp"] ?? ""
                let key = SymmetricKey(data: Data(webhook.secret.utf8))
                let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + request.body, using: key)
                #expect(
                    request.headers["Clinic-Webhook-Signature"] == "v1="
                        + mac.map { String(format: "%02x", $0) }.joined())
                let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
                #expect(body["id"] as? String == request.headers["Clinic-Webhook-Id"])
                #expect(body["type"] as? String == request.headers["Clinic-Webhook-Type"])
            }
            // Nothing is sent twice once delivered.
            #expect(try await dispatcher.runOnce() == 0)
            let log = try await PostgresWebhookStore(database: db.database).deliveries(
                subscriptionID: webhook.id, before: nil, limit: 500)
            #expect(log.count == feed.count && log.allSatisfy { $0.outcome == .delivered && $0.statusCode == 200 })
        }
    }

    @Test("a subscription for some types gets only those, and passes over the rest")
    func filtersTypes() async throws {
        try await withTestDatabase { db in
            _ = try await Self.subscribedClinic(db, eventTypes: [.appointmentBooked])
            let receiver = Receiver()
            let dispatcher = Self.dispatcher(db, receiver, TestClock())
            while try await dispatcher.runOnce() > 0 {}
            #expect(
                receiver.requests.map { $0.headers["Clinic-Webhook-Type"] } == [
                    "appointment.booked", "appointment.booked",
                ])
        }
    }

    @Test("a receiver that keeps failing is retried with backoff, then paused; resumed, it gets everything in order")
    func retriesThenPauses() async throws {
        try await withTestDatabase { db in
            let (_, webhook) = try await Self.subscribedClinic(db)
            let receiver = Receiver()
            receiver.answer(503)
            let clock = TestClock()
            let dispatcher = Self.dispatcher(db, receiver, clock, pauseAfter: 3)
            let store = PostgresWebhookStore(database: db.database)
            #expect(try await dispatcher.runOnce() == 1)
            // Not retried before its backoff has passed.
            #expect(try await dispatcher.runOnce() == 0)
            clock.advance(5)
            #expect(try await dispatcher.runOnce() == 1)
            clock.advance(9)
            #expect(try await dispatcher.runOnce() == 0)
            clock.advance(1)
            #expect(try await dispatcher.runOnce() == 1)
            let paused = try await store.subscription(id: webhook.id)
            guard case .paused = paused?.state else {
                Issue.record("not paused: \(String(describing: paused?.state))")
                return
            }
            #expect(paused?.consecutiveFailures == 3 && paused?.lastError?.contains("503") == true)
            clock.advance(3600)
            #expect(try await dispatcher.runOnce() == 0)
            // Every attempt was at the first event: nothing after it went out meanwhile.
            #expect(Set(receiver.requests.map { $0.headers["Clinic-Webhook-Id"] }).count == 1)
            #expect(receiver.requests.map { $0.headers["Clinic-Webhook-Attempt"] } == ["1", "2", "3"])
            let log = try await store.deliveries(subscriptionID: webhook.id, before: nil, limit: 10)
            #expect(log.map(\.statusCode) == [503, 503, 503] && log.allSatisfy { $0.outcome == .failed })

            receiver.answer(204)
            let services = try Fixtures(db).services()
            _ = try await services.webhooks.resume(id: webhook.id, actor: Fixtures.operator_)
            while try await dispatcher.runOnce() > 0 {}
            let feed = try await Self.feed(db)
            let delivered = receiver.requests.dropFirst(3).map { $0.headers["Clinic-Webhook-Id"] }
            #expect(delivered == feed.map { $0.id.uuidString.lowercased() })
        }
    }

    @Test("a delivery resets the failures in a row within one lease: the next event's failure is its first")
    func failuresResetWithinABatch() async throws {
        try await withTestDatabase { db in
            let (_, webhook) = try await Self.subscribedClinic(db)
            let receiver = Receiver()
            let clock = TestClock()
            let dispatcher = Self.dispatcher(db, receiver, clock, pauseAfter: 3)
            receiver.script([503, 503])
            #expect(try await dispatcher.runOnce() == 1)
            clock.advance(5)
            #expect(try await dispatcher.runOnce() == 1)
            clock.advance(10)
            // The third try of the first event succeeds, the second event fails: one failure, not three.
            receiver.script([200, 503])
            #expect(try await dispatcher.runOnce() == 2)
            let stored = try #require(
                try await PostgresWebhookStore(database: db.database).subscription(id: webhook.id))
            #expect(stored.state == .active && stored.consecutiveFailures == 1)
            #expect(receiver.requests.map { $0.headers["Clinic-Webhook-Attempt"] } == ["1", "2", "3", "1"])
            #expect(abs(stored.nextAttemptAt.timeIntervalSince(clock.now.addingTimeInterval(5))) < 0.001)
        }
    }

    @Test("two servers dispatching at once deliver each event once")
    func oneServerPerSubscription() async throws {
        try await withTestDatabase { db in
            _ = try await Self.subscribedClinic(db)
            let receiver = Receiver(delay: .milliseconds(20))
            let clock = TestClock()
            let first = Self.dispatcher(db, receiver, clock)
            let second = Self.dispatcher(db, receiver, clock)
            async let a = first.runOnce()
            async let b = second.runOnce()
            _ = try await (a, b)
            while try await first.runOnce() + second.runOnce() > 0 {}
            let ids = receiver.requests.compactMap { $0.headers["Clinic-Webhook-Id"] }
            #expect(ids.count == Set(ids).count)
            #expect(ids == (try await Self.feed(db)).map { $0.id.uuidString.lowercased() })
        }
    }

    @Test("a subscription names an http or https URL of its own clinics")
    func validatesSubscriptions() async throws {
        try await withTestDatabase { db in
            let fixtures = Fixtures(db)
            let own = try await fixtures.clinic(name: "Desert Spine Center")
            let other = try await fixtures.clinic(name: "Mesa Vertebral Clinic")
            let services = try fixtures.services()
            let scoped = Actor(
                principal: Principal(tokenID: nil, name: "desert admin", role: .admin, scope: .clinics([own.id])),
                requestID: nil, at: Date())
            for url in [
                "ftp://hooks.example/x", "https://user:pw@hooks.example/x", "hooks.example/x", "https:///x", "",
            ] {
                await #expect(throws: ServiceError.self) {
                    _ = try await services.webhooks.create(
                        url: url, eventTypes: [], clinicIDs: [], description: nil, actor: scoped)
                }
            }
            await #expect(throws: ServiceError.unknownReference(pointer: "/clinicIds/0", entity: "clinic")) {
                _ = try await services.webhooks.create(
                    url: "https://hooks.example/x", eventTypes: [], clinicIDs: [other.id], description: nil,
                    actor: scoped)
            }
            // Without clinics named, a clinic-bound admin subscribes its own clinics, not the network.
            let made = try await services.webhooks.create(
                url: "https://hooks.example/x", eventTypes: [], clinicIDs: [], description: nil, actor: scoped)
            #expect(made.subscription.clinicIDs == [own.id])
        }
    }
}
