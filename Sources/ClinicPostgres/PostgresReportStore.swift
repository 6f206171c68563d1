import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The nightly report's record on the primary, and where each report's figures are read.
public struct PostgresReportStore: ReportStore {
    let database: ClinicDatabase
    let replica: ReportReplica?

    /// - Parameter replica: a streaming replica to read the figures from while it keeps up.
    public init(database: ClinicDatabase, replica: ReportReplica? = nil) {
        self.database = database
        self.replica = replica
    }

    public var primaryFigures: any ReportFigures { PostgresReportFigures(database: database, replica: nil) }

    public func figures() async -> any ReportFigures {
        guard let replica, await replica.caughtUp(with: database) else { return primaryFigures }
        return PostgresReportFigures(database: replica.database, replica: replica)
    }

    public func clinicIDs(limit: Int) async throws -> [ClinicID] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query("SELECT id FROM clinics ORDER BY created_at, id LIMIT \(limit)", logger: logger)
                .collect().map { ClinicID(try $0.decode(UUID.self)) }
        }
    }

    public func recorded(
        clinicID: ClinicID, date: LocalDate, generatedBy: String, recompute: Bool, scope: ClinicScope,
        compute: @escaping @Sendable () async throws -> NightlyReport
    ) async throws -> RecordedReport {
        if !recompute, let earlier = try await touch(clinicID: clinicID, date: date, scope: scope) {
            return RecordedReport(report: earlier, reused: true)
        }
        // Computed with no connection held, so runs waiting on the lock below cannot starve the
        // computing one of connections; the lock then decides whose result is the record.
        let report = try await compute()
        let json = String(decoding: try report.json(), as: UTF8.self)
        let logger = database.logger
        return try await database.transaction(scope: scope) { connection in
            try await connection.runToEnd(
                """
                SELECT pg_advisory_xact_lock(hashtextextended('nightly-report:' || \(clinicID.rawValue.uuidString) || ':' || \(date.description), 0))
                """, logger: logger)
            if !recompute,
                let earlier = try await Self.touch(clinicID: clinicID, date: date, on: connection, logger: logger)
            {
                return RecordedReport(report: earlier, reused: true)
            }
            try await connection.query(
                """
                INSERT INTO report_runs (id, clinic_id, kind, report_date, generated_at, generated_by, report)
                VALUES (\(UUID()), \(clinicID.rawValue), 'nightly', \(date.description)::date, \(report.generatedAt), \(generatedBy), \(json)::jsonb)
                ON CONFLICT (clinic_id, kind, report_date) DO UPDATE
                SET report = excluded.report, generated_at = excluded.generated_at, generated_by = excluded.generated_by,
                    requests = report_runs.requests + 1, last_requested_at = now()
                """, logger: logger)
            return RecordedReport(report: report, reused: false)
        }
    }

    private func touch(clinicID: ClinicID, date: LocalDate, scope: ClinicScope) async throws -> NightlyReport? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) {
            try await Self.touch(clinicID: clinicID, date: date, on: $0, logger: logger)
        }
    }

    /// The recorded report, counting the request; nil when the day has no record yet.
    private static func touch(clinicID: ClinicID, date: LocalDate, on connection: PostgresConnection, logger: Logger)
        async throws -> NightlyReport?
    {
        let rows = try await connection.query(
            """
            UPDATE report_runs SET requests = requests + 1, last_requested_at = now()
            WHERE clinic_id = \(clinicID.rawValue) AND kind = 'nightly' AND report_date = \(date.description)::date
            RETURNING report::text
            """, logger: logger
        ).collect()
        guard let text = try rows.first?.decode(String.self) else { return nil }
        return try NightlyReport.decoder().decode(NightlyReport.self, from: Data(text.utf8))
    }
}
