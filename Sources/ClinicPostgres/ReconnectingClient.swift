import ClinicServices
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The server's connection pool, replaced by a fresh one when it lags behind a database that has
/// come back, or when the server it reaches stopped taking writes and another of the URL's hosts
/// took over (a failover).
///
/// PostgresNIO's pool retries a lost database with a backoff that grows to a minute and that
/// nothing resets, so after a long outage the server could stay unable to serve for up to a
/// minute after PostgreSQL returned. Twice a second this checks: when no statement has succeeded
/// for a while, it asks the pool for `SELECT 1`; when that fails but a connection of its own to
/// the database succeeds, the pool is stuck in its backoff and a new pool takes over. The old one
/// is closed once requests still holding it have had their deadline to finish.
///
/// A pool reaches one host. With several hosts and `target_session_attrs=read-write` the check
/// also asks whether the pool's server still takes writes: at once when a write was refused as
/// read-only (a demoted primary answers reads and refuses writes), and every few seconds
/// otherwise. When it no longer does, the hosts are tried in order and the pool moves to the one
/// that does, the way libpq would choose on a new connection.
public final class ReconnectingClient: Service, Sendable {
    private struct State {
        var current: PostgresClient
        var endpoint: DatabaseURL.Endpoint
        var tasks: [Task<Void, Never>] = []
        var replacements = 0
        /// When the pool's server was last asked whether it takes writes (monotonic nanoseconds).
        var lastRoleCheck: UInt64 = 0
    }

    private let makeClient: @Sendable (DatabaseURL.Endpoint) -> PostgresClient
    private let url: DatabaseURL
    private let logger: Logger
    /// How long a replaced pool stays open for requests that still hold its connections.
    private let retireAfter: Duration
    private let state: Mutex<State>
    /// When a statement last succeeded on the pool (monotonic nanoseconds); set by `ClinicDatabase`.
    let lastSuccess = Atomic<UInt64>(0)
    /// Set by `ClinicDatabase` when the server refused a write as read-only (SQLSTATE 25006).
    private let readOnlySeen = Atomic<Bool>(false)

    /// How often a pool that follows the primary confirms it still does when nothing went wrong.
    static let roleCheckInterval: UInt64 = 5_000_000_000

    /// - Parameter endpoint: the host to start on (`url.locate` found it); the URL's first otherwise.
    public init(
        url: DatabaseURL, endpoint: DatabaseURL.Endpoint? = nil, retireAfter: Duration, logger: Logger,
        makeClient: @escaping @Sendable (DatabaseURL.Endpoint) -> PostgresClient
    ) {
        self.url = url
        self.logger = logger
        self.retireAfter = retireAfter
        self.makeClient = makeClient
        let first = endpoint ?? url.endpoints[0]
        self.state = Mutex(State(current: makeClient(first), endpoint: first))
    }

    /// The pool to lease from now.
    public var current: PostgresClient { state.withLock { $0.current } }

    /// The host the pool reaches now.
    public var endpoint: DatabaseURL.Endpoint { state.withLock { $0.endpoint } }

    /// How many times the pool was replaced (for tests and the log).
    public var replacements: Int { state.withLock { $0.replacements } }

    func recordSuccess() {
        lastSuccess.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    func recordReadOnly() {
        readOnlySeen.store(true, ordering: .relaxed)
    }

    /// Whether the pool must find the server that takes writes among several.
    private var followsPrimary: Bool { url.targetSession == .readWrite && url.endpoints.count > 1 }

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

    /// One look at the pool; replaces it when it cannot reach a database that can be reached, or
    /// reaches a server that no longer takes writes while another host does.
    func checkOnce() async {
        let now = DispatchTime.now().uptimeNanoseconds
        let quiet = now &- lastSuccess.load(ordering: .relaxed) > 1_000_000_000
        let roleCheckDue =
            followsPrimary
            && (readOnlySeen.exchange(false, ordering: .relaxed)
                || now &- state.withLock({ $0.lastRoleCheck }) > Self.roleCheckInterval)
        let (pool, endpoint) = state.withLock { ($0.current, $0.endpoint) }
        let logger = self.logger
        if roleCheckDue {
            state.withLock { $0.lastRoleCheck = now }
            // Asked on a connection of its own, not through the pool: a pool busy with requests
            // (a demoted primary still answers reads) would keep the question waiting.
            if await url.probe(endpoint, timeout: .seconds(1), logger: logger) == .readOnly {
                // Reads still work there, so requests would not notice; writes would all be refused.
                if let primary = await url.locate(timeout: .seconds(1), logger: logger), primary != endpoint {
                    replace(with: primary, because: "the database at \(endpoint) no longer takes writes")
                }
                return
            }
        }
        // A statement succeeded within the last second: the pool serves.
        guard quiet else { return }
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
        guard let target = await url.locate(timeout: .seconds(1), logger: logger) else { return }
        // When the pool's server is gone and another took over (a failover), the old pool cannot
        // serve anyone: requests waiting on it for a connection move to the new one at once
        // (ClinicDatabase leases again when its pool shut down) instead of waiting out their
        // deadline. Otherwise the old pool keeps its requests until they finish.
        var oldIsGone = false
        if followsPrimary && target != endpoint {
            oldIsGone = await url.probe(endpoint, timeout: .milliseconds(500), logger: logger) == .unreachable
        }
        replace(
            with: target, retireNow: oldIsGone,
            because: target == endpoint
                ? "database reachable again but the pool was still backing off"
                : "the database at \(endpoint) is out of reach and \(target) answers")
    }

    /// - Parameter retireNow: close the old pool at once instead of after `retireAfter`: for a
    ///   pool whose connections cannot be serving anyone.
    private func replace(with endpoint: DatabaseURL.Endpoint, retireNow: Bool = false, because reason: String) {
        let fresh = makeClient(endpoint)
        let freshTask = Task { await fresh.run() }
        let (old, count) = state.withLock { state -> (Task<Void, Never>?, Int) in
            let old = state.tasks.last
            state.current = fresh
            state.endpoint = endpoint
            state.tasks.append(freshTask)
            state.replacements += 1
            return (old, state.replacements)
        }
        logger.warning(
            "\(reason): replaced the pool",
            metadata: ["replacements": "\(count)", "database": "\(endpoint)"])
        let retireAfter = retireNow ? Duration.zero : self.retireAfter
        Task {
            try? await Task.sleep(for: retireAfter)
            old?.cancel()
        }
    }
}
