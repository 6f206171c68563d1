import ClinicPostgres
import Foundation
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL server the tests use: `CLINIC_TEST_DATABASE_URL` when set (a superuser on a
/// server someone else runs), otherwise a throwaway cluster started here in a temporary folder
/// and stopped when the test process exits. A template database is migrated once, by the owner
/// role as in production; each test clones it, and the code under test connects as the
/// application role, so a missing grant fails a test rather than a clinic.
actor TestCluster {
    static let shared = TestCluster()

    /// The roles production uses (README, Security): the schema's owner migrates, the server runs as the app.
    static let ownerRole = "clinic_owner"
    static let appRole = "clinic_app"
    /// Both roles' password, for a server that asks for one; the throwaway cluster trusts loopback.
    static let rolePassword = "clinic-test-only"

    struct Server: Sendable {
        let host: String
        let port: Int
        let admin: PostgresClient
        let templateName: String
        /// Whether `pg_stat_statements` can be read: always on the throwaway cluster, and on a
        /// shared server only when it loads the library.
        let countsStatements: Bool

        func configuration(role: String, database: String) -> PostgresClient.Configuration {
            .init(
                host: host, port: port, username: role, password: TestCluster.rolePassword, database: database,
                tls: .disable)
        }

        func url(role: String, database: String) -> String {
            "postgres://\(role):\(TestCluster.rolePassword)@\(host):\(port)/\(database)"
        }
    }

    private var server: Task<Server, any Error>?
    let logger: Logger = {
        var logger = Logger(label: "test-postgres")
        logger.logLevel = .warning
        return logger
    }()

    func start() async throws -> Server {
        if let server { return try await server.value }
        let task = Task { try await Self.boot(logger: logger) }
        server = task
        return try await task.value
    }

    /// Creates a fresh database cloned from the migrated template.
    /// Clones are made one at a time: PostgreSQL refuses to copy a template others are reading.
    func createDatabase() async throws -> (name: String, server: Server) {
        let server = try await start()
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await server.admin.query(
            PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(server.templateName) OWNER \(Self.ownerRole)"),
            logger: logger)
        return (name, server)
    }

    private static func boot(logger: Logger) async throws -> Server {
        let template = "clinic_template_\(getpid())"
        let (host, port, user, password): (String, Int, String, String?)
        if let url = ProcessInfo.processInfo.environment["CLINIC_TEST_DATABASE_URL"], !url.isEmpty {
            let parsed = try DatabaseURL(url)
            (host, port, user, password) = (
                parsed.endpoints[0].host, parsed.endpoints[0].port, parsed.username,
                parsed.clientConfiguration().password
            )
        } else {
            let cluster = try LocalCluster.start()
            (host, port, user, password) = ("127.0.0.1", cluster.port, LocalCluster.superuser, nil)
        }
        let admin = PostgresClient(
            configuration: .init(
                host: host, port: port, username: user, password: password,
                database: "postgres", tls: .disable), backgroundLogger: logger)
        // Runs for the life of the test process.
        Task.detached { await admin.run() }
        // Roles are per cluster: made once, kept for other test runs on a shared server.
        for role in [ownerRole, appRole] {
            try await admin.query(
                PostgresQuery(
                    unsafeSQL: """
                        DO $$ BEGIN
                            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                                CREATE ROLE \(role) LOGIN PASSWORD '\(rolePassword)';
                            END IF;
                        END $$
                        """), logger: logger)
        }
        // Statement counts per test database (TestDatabase.statements); the view reads the
        // server's shared memory and answers for every database from here.
        let countsStatements: Bool
        do {
            try await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", logger: logger)
            _ = try await admin.query("SELECT count(*) FROM pg_stat_statements", logger: logger).collect()
            countsStatements = true
        } catch {
            countsStatements = false
        }
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(template)"), logger: logger)
        try await admin.query(
            PostgresQuery(unsafeSQL: "CREATE DATABASE \(template) OWNER \(ownerRole)"), logger: logger)
        let server = Server(
            host: host, port: port, admin: admin, templateName: template, countsStatements: countsStatements)
        let client = PostgresClient(
            configuration: server.configuration(role: ownerRole, database: template), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let database = ClinicDatabase(client: client, logger: logger)
            try await Migrator(database: database, migrations: try Migration.bundled()).migrate()
        }
        return server
    }
}

/// A private PostgreSQL cluster in a temporary folder, tuned for throwaway data.
enum LocalCluster {
    struct Running {
        let port: Int
        let directory: String
    }

    /// The cluster's superuser; only the test support's own bookkeeping connects as it.
    static let superuser = "postgres"

    /// The data folder of the cluster to stop at exit. Written once, before `atexit` can run.
    nonisolated(unsafe) private static var directoryToStop: String?
    nonisolated(unsafe) private static var pgCtlPath: String?

    static func start() throws -> Running {
        let bin = try binDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "clinic-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let asRoot = geteuid() == 0
        if asRoot { try run("/bin/chown", ["postgres:postgres", directory]) }
        let data = directory + "/data"
        try runAsOwner(
            bin + "/initdb", ["-D", data, "--auth=trust", "--username=\(superuser)", "--encoding=UTF8", "--no-sync"],
            asRoot: asRoot)
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try freePort()
            do {
                try runAsOwner(
                    bin + "/pg_ctl",
                    [
                        "-D", data, "-l", directory + "/postgres.log", "-w", "-t", "60",
                        "-o",
                        "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=50000",
                        "start",
                    ], asRoot: asRoot)
                directoryToStop = data
                pgCtlPath = bin + "/pg_ctl"
                atexit {
                    guard let data = LocalCluster.directoryToStop, let pgCtl = LocalCluster.pgCtlPath else { return }
                    let command =
                        geteuid() == 0
                        ? "runuser -u postgres -- \(pgCtl) -D \(data) -m immediate stop >/dev/null 2>&1"
                        : "\(pgCtl) -D \(data) -m immediate stop >/dev/null 2>&1"
                    _ = system(command)
                    _ = system("rm -rf \(URL(fileURLWithPath: data).deletingLastPathComponent().path)")
                }
                return Running(port: port, directory: directory)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("could not start PostgreSQL")
    }

    /// The newest PostgreSQL server binaries (Debian keeps them out of PATH).
    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root))?.compactMap(Int.init).sorted() ?? []
        if let newest = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb") {
            return "\(root)/\(newest)/bin"
        }
        for path in ["/usr/local/bin", "/usr/bin", "/opt/homebrew/bin"]
        where FileManager.default.isExecutableFile(atPath: path + "/initdb") {
            return path
        }
        throw TestSupportError(
            "PostgreSQL server binaries not found: run `make test` (it installs them) or set CLINIC_TEST_DATABASE_URL")
    }

    /// initdb and postgres refuse to run as root: run them as the postgres user then.
    private static func runAsOwner(_ executable: String, _ arguments: [String], asRoot: Bool) throws {
        if asRoot {
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try run(executable, arguments)
        }
    }

    /// Runs a command through the shell, synchronously.
    ///
    /// Not Foundation's `Process`: on Linux its exit monitoring can miss the child's exit when the
    /// child leaves a daemon behind (pg_ctl start), and `waitUntilExit` then never returns.
    /// Output goes to a file rather than a pipe because the daemon inherits the descriptors.
    private static func run(_ executable: String, _ arguments: [String]) throws {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "clinic-test-cmd-\(UUID().uuidString).log"
        ).path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let command =
            ([executable] + arguments).map(shellQuoted).joined(separator: " ")
            + " </dev/null >\(shellQuoted(outputPath)) 2>&1"
        let status = system(command)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw TestSupportError("\(executable) failed (status \(status)): \(text)")
        }
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A port nobody listens on right now (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw TestSupportError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestSupportError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A test-environment problem, with what to do about it.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What the tests may ask of the server they run on.
public enum TestClusterProbe {
    /// Whether `TestDatabase.statements(during:)` can count (pg_stat_statements is loaded).
    public static func countsStatements() async throws -> Bool { try await TestCluster.shared.start().countsStatements }
}
