import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

/// A lock wait that runs out must reach the caller as what it is: the database was too busy
/// (503), with nothing written. Before the waits were read to their end, the timeout was lost
/// and the next statement failed as "transaction aborted" (25P02), a 500.
@Suite("Lock waits")
struct LockWaitTests {
    /// An MRI of a 68-year-old with an acute L1 wedge fracture (30% height loss, STIR edema).
    static func l1WedgeMRI(clinicID: ClinicID) -> ImagingResultDraft {
        ImagingResultDraft(
            clinicID: clinicID.description, sourceSystem: "valley-ris", accessionNumber: "MR-2026-0417",
            status: .final, modality: .mri, performedAt: Date().addingTimeInterval(-3600),
            patient: .init(
                mrn: "MRN-0417", givenName: "Ruth", familyName: "Alvarez", birthDate: "1958-03-14", sex: .female),
            impression: "Acute L1 wedge compression fracture, 30% height loss, STIR edema.",
            findings: [.init(level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present)])
    }

    /// Runs `body` while the schema's owner holds the advisory lock `key` in an open transaction.
    static func whileLocked(
        _ db: TestDatabase, key: PostgresQuery, _ body: @Sendable () async throws -> Void
    ) async throws {
        try await db.client.withTransaction(logger: db.database.logger) { connection in
            _ = try await connection.query(key, logger: db.database.logger).collect()
            try await body()
        }
    }

    @Test(
        "a delivery that waits past the statement timeout behind another delivery of its accession answers unavailable and stores nothing"
    )
    func imagingDeliveryWaitRunsOut() async throws {
        try await withTestDatabase(statementTimeout: .seconds(1)) { db in
            let clinic = try await Fixtures(db).clinic()
            let services = try Fixtures(db).services()
            try await Self.whileLocked(
                db,
                key: "SELECT pg_advisory_xact_lock(hashtextextended('valley-ris' || chr(31) || 'MR-2026-0417', 0))"
            ) {
                await #expect(throws: ServiceError.unavailable("a statement ran past the statement timeout")) {
                    _ = try await services.imaging.submit(
                        Self.l1WedgeMRI(clinicID: clinic.id), actor: Fixtures.operator_)
                }
            }
            #expect(try await db.count("imaging_results") == 0)
            #expect(try await db.count("patients") == 0)
            // Once the other delivery is done, the same one is taken.
            let taken = try await services.imaging.submit(
                Self.l1WedgeMRI(clinicID: clinic.id), actor: Fixtures.operator_)
            #expect(try await db.count("imaging_results", where: "id = '\(taken.result.id)'") == 1)
        }
    }

    @Test("a change-feed sequencer that waits past the statement timeout behind another answers unavailable")
    func sequencerWaitRunsOut() async throws {
        try await withTestDatabase(statementTimeout: .seconds(1)) { db in
            let clinic = try await Fixtures(db).clinic()
            let services = try Fixtures(db).services()
            _ = try await services.referrals.create(
                Fixtures.l1WedgeDraft(clinicID: clinic.id), idempotencyKey: nil, actor: Fixtures.operator_)
            let changes = PostgresChangeStore(database: db.database)
            try await Self.whileLocked(db, key: "SELECT pg_advisory_xact_lock(\(PostgresChangeStore.sequencerLock))") {
                await #expect(throws: ServiceError.unavailable("a statement ran past the statement timeout")) {
                    try await changes.sequence()
                }
            }
            #expect(try await db.count("changes", where: "position IS NOT NULL") == 0)
            #expect(try await changes.sequence() > 0)
        }
    }
}
