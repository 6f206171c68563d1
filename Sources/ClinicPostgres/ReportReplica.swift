import ClinicServices
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A streaming replica the nightly and network reports read their figures from, used only while
/// it has caught up with the primary.
///
/// A report read from a replica that lags could miss the end of the day it reports and then be
/// recorded as that day's report for good. So before each report the primary says how far its
/// WAL has been flushed, and the replica is used once it has replayed at least that far: every
/// transaction committed before the report began is then visible there, as on the primary. A
/// replica further behind than `catchUpLimit`, out of reach, or not a standby at all (promoted,
/// or a URL that names a primary) is passed over for the primary, with a warning in the log; a
/// replica passed over rests for a few seconds, so that the reports meanwhile (a network summary
/// makes one per clinic) do not each wait on it.
public final class ReportReplica: Sendable {
    /// The replica's connections.
    public let database: ClinicDatabase
    /// How long a report waits for the replica to replay what the primary had flushed.
    let catchUpLimit: Duration
    /// When the replica last failed (monotonic nanoseconds; 0: never).
    private let lastFailure = Atomic<UInt64>(0)

    /// How long a failed replica is passed over before it is asked again.
    static let rest: UInt64 = 10_000_000_000

    public init(database: ClinicDatabase, catchUpLimit: Duration = .seconds(2)) {
        self.database = database
        self.catchUpLimit = catchUpLimit
    }

    /// Whether the replica has replayed everything the primary had flushed when asked, within
    /// `catchUpLimit`; false at once while it rests after a failure.
    func caughtUp(with primary: ClinicDatabase) async -> Bool {
        let failedAt = lastFailure.load(ordering: .relaxed)
        if failedAt != 0 && DispatchTime.now().uptimeNanoseconds &- failedAt < Self.rest { return false }
        do {
            let target = try await primary.withConnection(outside: .clinicData) { connection in
                try await connection.query("SELECT pg_current_wal_flush_lsn()::text", logger: primary.logger)
                    .collect().first?.decode(String.self) ?? "0/0"
            }
            let started = ContinuousClock.now
            while true {
                let replica = database
                // Each look is bounded on its own: a replica that went away may leave a lease or a
                // query waiting far longer than a report should.
                let (standby, replayed) = try await withDeadline(.seconds(1)) {
                    try await replica.withConnection(outside: .clinicData) { connection in
                        try await connection.query(
                            "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= \(target)::pg_lsn, false)",
                            logger: replica.logger
                        ).collect().first?.decode((Bool, Bool).self) ?? (false, false)
                    }
                }
                guard standby else {
                    return passOver("the reports database is not a standby (promoted, or a primary's URL)")
                }
                if replayed { return true }
                if ContinuousClock.now - started > catchUpLimit {
                    return passOver("the reports replica is more than \(catchUpLimit) behind the primary")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        } catch {
            return passOver("the reports replica cannot be read (\(type(of: error)))")
        }
    }

    @discardableResult
    func passOver(_ reason: String) -> Bool {
        lastFailure.store(max(1, DispatchTime.now().uptimeNanoseconds), ordering: .relaxed)
        database.logger.warning("\(reason): reports read the primary for the next \(Self.rest / 1_000_000_000) s")
        return false
    }
}

/// What `clinic check` reports of the reports replica.
public enum ReplicaStatus: Sendable, Equatable {
    case unreachable
    /// Answers, but is not in recovery: reports would read the primary.
    case notStandby
    /// A hot standby; the replay lag in seconds when it has replayed anything.
    case standby(lagSeconds: Double?)

    /// Asks the replica `url` names, on a connection of its own.
    public static func of(_ url: DatabaseURL, logger: Logger) async -> ReplicaStatus {
        guard let endpoint = await url.locate(timeout: .seconds(2), logger: logger) else { return .unreachable }
        // The lag is how long ago the last replayed transaction committed on the primary: with
        // no writes on the primary it grows although nothing is missing: a hint only.
        let answer = await url.withOwnConnection(endpoint, timeout: .seconds(2), logger: logger) { connection in
            try await connection.query(
                """
                SELECT pg_is_in_recovery(),
                       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
                """, logger: logger
            ).collect().first?.decode((Bool, Double?).self)
        }
        guard let found = answer, let (standby, lag) = found else { return .unreachable }
        return standby ? .standby(lagSeconds: lag) : .notStandby
    }
}
