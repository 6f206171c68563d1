import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

/// The database's own line of defence: even a query that forgets its clinic filter sees only the
/// clinics of the lease's scope, as the application role.
@Suite("Row-level security on patient data")
struct RowLevelSecurityTests {
    /// Desert Spine and Mesa Spine, each with one referral for a 68-year-old's L1 wedge fracture.
    private func twoClinics(_ db: TestDatabase) async throws -> (desert: ClinicID, mesa: ClinicID) {
        let desert = try await Fixtures(db).clinic()
        let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
        let services = try Fixtures(db).services()
        for (clinic, mrn) in [(desert, "DSC-1"), (mesa, "MESA-1")] {
            _ = try await services.referrals.create(
                Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: mrn), idempotencyKey: nil, actor: Fixtures.operator_)
        }
        return (desert.id, mesa.id)
    }

    /// `SELECT count(*)` of each patient table, unfiltered, as the application role in `scope`.
    private func unfilteredCounts(_ db: TestDatabase, _ scope: ClinicScope) async throws -> [String: Int] {
        try await db.database.withConnection(scope: scope) { connection in
            var counts: [String: Int] = [:]
            for table in ["patients", "referrals", "referral_events"] {
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"), logger: Logger(label: "rls")
                ).collect()
                counts[table] = try rows.first!.decode(Int.self)
            }
            return counts
        }
    }

    /// Runs `statement` in a transaction of `scope` and expects the database's refusal, translated
    /// to the 403 `ServiceError.forbidden` (never a 500).
    private func expectForbidden(
        _ db: TestDatabase, _ scope: ClinicScope, _ statement: @escaping @Sendable () -> PostgresQuery
    ) async throws {
        do {
            try await db.database.transaction(scope: scope) { connection in
                _ = try await connection.query(statement(), logger: Logger(label: "rls"))
            }
            Issue.record("the database let it through: \(statement().sql)")
        } catch ServiceError.forbidden {
        } catch {
            Issue.record("refused, but as \(error) instead of forbidden")
        }
    }

    @Test("a query without a clinic filter sees only the scope's clinics; the network sees both")
    func unfilteredQueriesSeeOnlyTheScope() async throws {
        try await withTestDatabase(poolSize: 1) { db in
            let (desert, mesa) = try await twoClinics(db)
            let desertOnly = try await unfilteredCounts(db, .clinics([desert]))
            #expect(desertOnly["patients"] == 1 && desertOnly["referrals"] == 1)
            #expect((desertOnly["referral_events"] ?? 0) >= 1)
            let network = try await unfilteredCounts(db, .network)
            #expect(network["patients"] == 2 && network["referrals"] == 2)
            #expect(network["referral_events"] == 2 * (desertOnly["referral_events"] ?? 0))
            // The one pooled connection switched scope and back: its setting follows every lease.
            let mesaOnly = try await unfilteredCounts(db, .clinics([mesa]))
            #expect(mesaOnly["patients"] == 1)
            let rows = try await db.database.withConnection(scope: .clinics([mesa])) { connection in
                try await connection.query("SELECT mrn FROM patients", logger: Logger(label: "rls")).collect()
                    .map { try $0.decode(String.self) }
            }
            #expect(rows == ["MESA-1"])
        }
    }

    @Test("a connection with no scope set, or a scope of no clinic, sees no patient at all")
    func noScopeSeesNothing() async throws {
        try await withTestDatabase(poolSize: 1) { db in
            _ = try await twoClinics(db)
            #expect(
                try await unfilteredCounts(db, .clinics([])) == ["patients": 0, "referrals": 0, "referral_events": 0])
            let fresh = try await db.database.client.withConnection { connection in
                try await connection.query("RESET clinic.scope", logger: Logger(label: "rls"))
                return try await connection.query("SELECT count(*)::int FROM referrals", logger: Logger(label: "rls"))
                    .collect().first!.decode(Int.self)
            }
            #expect(fresh == 0)
        }
    }

    @Test("writing a Mesa patient under Desert's scope is refused by the database, and nothing is written")
    func writesOutsideTheScopeAreRefused() async throws {
        try await withTestDatabase { db in
            let (desert, mesa) = try await twoClinics(db)
            try await expectForbidden(db, .clinics([desert])) {
                """
                INSERT INTO patients (id, clinic_id, mrn, given_name, family_name, birth_date, sex)
                VALUES (\(UUID()), \(mesa.rawValue), 'MESA-2', 'Harold', 'Brennan', '1950-01-01', 'male')
                """
            }
            // Moving Desert's patient to Mesa would take it out of the scope: refused too.
            try await expectForbidden(db, .clinics([desert])) {
                "UPDATE patients SET clinic_id = \(mesa.rawValue) WHERE mrn = 'DSC-1'"
            }
            #expect(try await db.count("patients") == 2)
            #expect(try await db.count("patients", where: "clinic_id = '\(mesa)'") == 1)
            // Mesa's rows are invisible to Desert's scope, so an unfiltered update touches Desert's only.
            let updated = try await db.database.transaction(scope: .clinics([desert])) { connection in
                try await connection.query(
                    "UPDATE referrals SET reason = 'edited' RETURNING id", logger: Logger(label: "rls")
                ).collect().count
            }
            #expect(updated == 1)
            #expect(try await db.count("referrals", where: "reason = 'edited'") == 1)
            #expect(try await db.count("referrals", where: "reason = 'edited' AND clinic_id = '\(desert)'") == 1)
        }
    }

    @Test("an HL7 message acknowledged for one clinic is not found under another clinic's scope")
    func interfaceMessagesAreScoped() async throws {
        try await withTestDatabase(poolSize: 1) { db in
            let (desert, mesa) = try await twoClinics(db)
            let log = PostgresInterfaceMessageLog(database: db.database)
            let message = LoggedInterfaceMessage(
                clinicID: desert, sender: "RIS^DESERT RAD", controlID: "MSG-0001",
                digest: Array(repeating: 7, count: 32),
                acknowledgement: "MSH|^~\\&|CLINIC\rMSA|AA|MSG-0001\r",
                receivedAt: Date(timeIntervalSince1970: 1_796_212_800))
            try await log.record(message, scope: .clinics([desert]))
            #expect(
                try await log.message(
                    clinicID: desert, sender: message.sender, controlID: "MSG-0001", scope: .clinics([desert]))
                    == message)
            #expect(
                try await log.message(
                    clinicID: desert, sender: message.sender, controlID: "MSG-0001", scope: .clinics([mesa])) == nil)
            try await expectForbidden(db, .clinics([mesa])) {
                "INSERT INTO interface_messages VALUES (\(desert.rawValue), 'X', 'Y', decode(repeat('00', 32), 'hex'), 'ack', now())"
            }
        }
    }
}
