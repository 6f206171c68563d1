import ClinicServices
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The server's connection pool, replaced by a fresh one when it lags behind a database that has
/// come back.
///
/// PostgresNIO's pool retries a lost database with a backoff that grows to a minute and that
/// nothing resets, so after a long outage the server could stay unable to serve for up to a
/// minute after PostgreSQL returned. Twice a second this checks: when no statement has succeeded
/// for a while, it asks the pool for `SELECT 1`; when that fails but a connection of its own to
/// the database succeeds, the pool is stuck in its backoff and a new pool takes over. The old one
/// is closed once requests still holding it have had their deadline to finish.
public final class ReconnectingClient: Service, Sendable {
    private struct State {
        var current: PostgresClient
        var tasks: [Task<Void, Never>] = []
        var replacements = 0
    }

    private let makeClient: @Sendable () -> PostgresClient
    private let url: DatabaseURL
    private let logger: Logger
    /// How long a replaced pool stays open for requests that still hold its connections.
    private let retireAfter: Duration
    private let state: Mutex<State>
    /// When a statement last succeeded on the pool (monotonic nanoseconds); set by `ClinicDatabase`.
    let lastSuccess = Atomic<UInt64>(0)

    public init(
        url: DatabaseURL, retireAfter: Duration, logger: Logger, makeClient: @escaping @Sendable () -> PostgresClient
    ) {
        self.url = url
        self.logger = logger
        self.retireAfter = retireAfter
        self.makeClient = makeClient
        self.state = Mutex(State(current: makeClient()))
    }

    /// The pool to lease from now.
    public var current: PostgresClient { state.withLock { $0.current } }

    /// How many times the pool was replaced (for tests and the log).
    public var replacements: Int { state.withLock { $0.replacements } }

    func recordSuccess() {
        lastSuccess.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    public func run() async {
        let first = current
        let firstTask = Task { await first.run() }
        state.withLock { $0.tasks.append(firstTask) }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                if Task.isCancelled { break }
                await self.checkOnce()
            }
        }
        let tasks = state.withLock { state in
            defer { state.tasks = [] }
            return state.tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// One look at the pool; replaces it when it cannot reach a database that can be reached.
    func checkOnce() async {
        let quietFor = DispatchTime.now().uptimeNanoseconds &- lastSuccess.load(ordering: .relaxed)
        guard quietFor > 1_000_000_000 else { return }  // a statement succeeded within the last second
        let pool = current
        let logger = self.logger
        // Not waited on past the limit: a query on a connection that died may never return.
        let answered =
            (try? await withDeadline(.milliseconds(500)) {
                _ = try await pool.query("SELECT 1", logger: logger).collect()
            }) != nil
        if answered {
            recordSuccess()
            return
        }
        // A database still away is left to the pool's own retries.
        guard await ClinicDatabase.probe(url, timeout: .seconds(1), logger: logger) else { return }
        replace()
    }

    private func replace() {
        let fresh = makeClient()
        let freshTask = Task { await fresh.run() }
        let (old, count) = state.withLock { state -> (Task<Void, Never>?, Int) in
            let old = state.tasks.last
            state.current = fresh
            state.tasks.append(freshTask)
            state.replacements += 1
            return (old, state.replacements)
        }
        logger.warning(
            "database reachable again but the pool was still backing off: replaced it",
            metadata: ["replacements": "\(count)"])
        let retireAfter = self.retireAfter
        Task {
            try? await Task.sleep(for: retireAfter)
            old?.cancel()
        }
    }
}
