import ClinicApp
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Health, readiness and metrics")
struct OperationsEndpointTests {
    @Test("/health answers 200 without a token and carries a request id")
    func health() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(JSONBody(response).string("status") == "ok")
                #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            }
        }
    }

    @Test("a caller's sane X-Request-Id is echoed back")
    func requestIDEchoed() async throws {
        try await withApp { client, _ in
            try await client.execute(
                uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "pacs-42"]
            ) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "pacs-42")
            }
        }
    }

    @Test(
        "a request that outlives its deadline is answered 503 problem+json with Retry-After at once, and the server answers on"
    )
    func deadline() async throws {
        try await withApp(requestTimeout: .milliseconds(1)) { client, db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.admin)
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: .bearer(token),
                body: ByteBuffer(json: Fixtures.l1WedgeJSON(clinicID: clinic.id))
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.retryAfter] == "1")
                #expect(JSONBody(response).string("type") == "/problems/unavailable")
            }
            // Still answering (itself under the 1 ms deadline, so possibly 503 on a busy machine).
            try await client.execute(uri: "/health", method: .get) {
                #expect([.ok, .serviceUnavailable].contains($0.status))
            }
        }
    }

    @Test("/ready is 200 when every migration is applied")
    func ready() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = JSONBody(response)
                #expect(body.string("status") == "ready")
                #expect(body.string("database") == "up")
            }
        }
    }

    @Test("/ready is 503 and names the file while a migration is pending")
    func notReadyWithPendingMigration() async throws {
        let extra = Migration(name: "9999_not_yet.sql", sql: "SELECT 1")
        try await withApp(api: { db in
            let live = try APIServices.postgres(db.database)
            return APIServices(
                referrals: live.referrals, imaging: live.imaging, evaluations: live.evaluations, setup: live.setup,
                scheduling: live.scheduling, waitlist: live.waitlist, reports: live.reports, tokens: live.tokens,
                audit: live.audit, auditTrail: live.auditTrail,
                readiness: PostgresReadinessProbe(database: db.database, migrations: try Migration.bundled() + [extra]),
                interfaceMessages: live.interfaceMessages, resources: live.resources, patients: live.patients,
                changes: live.changes, webhooks: live.webhooks, instructions: live.instructions)
        }) { client, _ in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = JSONBody(response)
                #expect(body.string("status") == "not_ready")
                #expect(body["pendingMigrations"] as? [String] == [extra.name])
            }
        }
    }

    @Test("/metrics needs a token, and shows request counts to an admin")
    func metrics() async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            let scheduler = try await Fixtures(db).token(.scheduler)
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: .bearer(scheduler, json: false)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/health", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get, headers: .bearer(admin, json: false)) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("hb_requests"))
                #expect(text.contains("http_server_request_duration"))
            }
        }
    }
}
