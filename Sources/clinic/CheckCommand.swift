import ArgumentParser
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic check`: can this machine run the clinic? One line per check, each failure with what to fix.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check configuration, database, the server's database role, migrations, server version, clock and time zones.",
        discussion: """
            Writes nothing. Exit code: 0 when every check \
            passes (warnings allowed); otherwise that of the first failure: 2 configuration, 3 database \
            unreachable, 4 schema not current, 1 anything else.
            """)

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON object {ok, checks: [{name, status, detail}], skipped} instead of text.") var json = false

    /// The most the database's clock may differ from this machine's before `check` warns.
    static let clockTolerance: TimeInterval = 5

    func run() async throws {
        let report = await Self.checks(Settings(flags: ["database.url": database.databaseURL]))
        print(json ? try report.json() : report.text())
        if let code = report.exitCode { throw ExitCode(code) }
    }

    static func checks(_ settings: Settings) async -> CheckReport {
        var report = CheckReport()
        let configuration: DatabaseURL?
        do {
            let parsed = try settings.databaseURL()
            let hosts = parsed.endpoints.map(\.description).joined(separator: ",")
            let target = parsed.targetSession == .readWrite ? " (the host that takes writes)" : ""
            report.ok("database_url", "\(parsed.username)@\(hosts)/\(parsed.database)\(target)")
            configuration = parsed
        } catch {
            report.fail("database_url", error, exitCode: 2)
            configuration = nil
        }
        do { report.ok("http_port", "\(try settings.httpPort())") } catch {
            report.fail("http_port", error, exitCode: 2)
        }
        do { report.ok("pool_max", "\(try settings.poolMaximum()) connections") } catch {
            report.fail("pool_max", error, exitCode: 2)
        }
        do { report.ok("log_level", "\(try settings.logLevel())") } catch {
            report.fail("log_level", error, exitCode: 2)
        }

        await reportsReplica(settings, into: &report)

        let needsDatabase = [
            "database", "database_role", "migrations", "server_version", "btree_gist", "clock", "time_zones",
        ]
        guard let configuration else {
            report.skip(needsDatabase, because: "they need a DATABASE_URL")
            return report
        }
        let place = configuration.endpoints.map(\.description).joined(separator: ",")
        do {
            // Every error is caught inside, so the runtime's own mapping to an exit never applies.
            let configurationChecks = report
            report = try await CommandRuntime.withDatabase(settings) { db in
                await databaseChecks(
                    db, place: place, into: configurationChecks, skipping: Array(needsDatabase.dropFirst()))
            }
        } catch {
            report.fail("database", error, exitCode: 3)
            report.skip(Array(needsDatabase.dropFirst()), because: "they need a reachable database")
        }
        return report
    }

    /// The reports replica, when one is configured: a standby that answers, or a warning that
    /// reports will read the primary (they still work, so this never fails the check).
    private static func reportsReplica(_ settings: Settings, into report: inout CheckReport) async {
        let url: DatabaseURL
        do {
            guard let configured = try settings.reportsDatabaseURL() else {
                report.ok("reports_replica", "not set: the reports read the primary")
                return
            }
            url = configured
        } catch {
            report.fail("reports_replica", error, exitCode: 2)
            return
        }
        let place = url.endpoints.map(\.description).joined(separator: ",")
        switch await ReplicaStatus.of(url, logger: CommandRuntime.logger()) {
        case .unreachable:
            report.add("reports_replica", .warn, "cannot reach \(place): the reports read the primary until it answers")
        case .notStandby:
            report.add(
                "reports_replica", .warn,
                "\(place) is not a standby (promoted, or a primary): the reports read the primary")
        case .standby(let lag):
            let replayed = lag.map { String(format: "last replayed commit %.1f s ago", $0) } ?? "nothing replayed yet"
            report.ok("reports_replica", "\(place) is a hot standby (\(replayed))")
        }
    }

    private static func databaseChecks(
        _ db: ClinicDatabase, place: String, into start: CheckReport,
        skipping later: [String]
    ) async -> CheckReport {
        var report = start
        let bundled = Result { try Migration.bundled() }
        // The same probe `/ready` answers from: reachable means a query came back.
        let readiness = await PostgresReadinessProbe(database: db, migrations: (try? bundled.get()) ?? []).readiness()
        guard readiness.databaseReachable else {
            report.fail(
                "database",
                "cannot reach PostgreSQL at \(place): is it running and listening there, does the database exist, "
                    + "are the user and password in DATABASE_URL right?", exitCode: 3)
            report.skip(later, because: "they need a reachable database")
            return report
        }
        report.ok("database", "answers at \(place)")

        let diagnostics = ServerDiagnostics(database: db)
        do {
            let role = try await diagnostics.role()
            if let problem = role.privilegeProblem {
                report.fail("database_role", problem, exitCode: 2)
            } else {
                report.ok(
                    "database_role", "\(role.name): not a superuser, owns nothing, cannot rewrite the audit trail")
            }
        } catch {
            report.fail("database_role", error, exitCode: 1)
        }

        var migrated = false
        do {
            let migrations = try bundled.get()
            let pending = try await Migrator(database: db, migrations: migrations).pending()
            if pending.isEmpty {
                migrated = true
                report.ok("migrations", "all \(migrations.count) applied (latest \(migrations.last?.name ?? "none"))")
            } else {
                report.fail(
                    "migrations", "\(pending.count) pending (\(pending.joined(separator: ", "))): run `clinic migrate`",
                    exitCode: 4)
            }
        } catch let error as MigrationError where error == .missingFiles {
            report.fail("migrations", "\(error): reinstall this build of clinic", exitCode: 1)
        } catch let error as MigrationError {
            report.fail("migrations", error, exitCode: 4)
        } catch {
            report.fail("migrations", error, exitCode: 1)
        }

        do {
            let server = try await diagnostics.server()
            if server.versionNumber >= 150_000 {
                report.ok("server_version", "PostgreSQL \(server.version)")
            } else {
                report.fail(
                    "server_version",
                    "PostgreSQL \(server.version) is older than 15: upgrade the server to 15 or later", exitCode: 1)
            }
            if let installed = server.btreeGistInstalled {
                report.ok("btree_gist", "installed (\(installed))")
            } else if server.btreeGistAvailable {
                report.add(
                    "btree_gist", migrated ? .warn : .ok,
                    migrated
                        ? "available but not installed in this database: the exclusion constraints need it; run `CREATE EXTENSION btree_gist` as a superuser"
                        : "available; `clinic migrate` installs it")
            } else {
                report.fail(
                    "btree_gist",
                    "not available on this server: install PostgreSQL's contrib modules "
                        + "(Debian: part of postgresql-NN; elsewhere postgresql-contrib)", exitCode: 1)
            }
        } catch {
            report.fail("server_version", error, exitCode: 1)
        }

        do {
            let clock = try await diagnostics.clock()
            let seconds = String(format: "%.2f", abs(clock.offset))
            let direction = clock.offset >= 0 ? "ahead of" : "behind"
            if abs(clock.offset) - clock.uncertainty > Self.clockTolerance {
                report.add(
                    "clock", .warn,
                    "the database's clock is \(seconds) s \(direction) this machine's: sync both with NTP "
                        + "(timedatectl, chrony); holds, offers and each clinic's \"today\" depend on it")
            } else {
                report.ok(
                    "clock",
                    "the database's clock is \(seconds) s \(direction) this machine's "
                        + "(±\(String(format: "%.3f", clock.uncertainty)) s; warns past \(Int(Self.clockTolerance)) s)")
            }
        } catch {
            report.fail("clock", error, exitCode: 1)
        }

        // The process's own zone never decides a clinic's day; printed so nobody goes looking there.
        let processZone =
            "this process's TZ is \(TimeZone.current.identifier) (not used: days are computed in each clinic's zone)"
        do {
            guard let zones = try await diagnostics.clinicZones() else {
                report.skip(["time_zones"], because: "there is no clinics table yet")
                return report
            }
            let unknownHere = zones.filter { (try? ClinicTimeZone($0.identifier)) == nil }.map(\.identifier)
            let unknownThere = zones.filter { !$0.knownToDatabase }.map(\.identifier)
            if !unknownHere.isEmpty || !unknownThere.isEmpty {
                var problems: [String] = []
                if !unknownHere.isEmpty {
                    problems.append(
                        "\(unknownHere.joined(separator: ", ")) unknown to this machine (install or update tzdata)")
                }
                if !unknownThere.isEmpty {
                    problems.append(
                        "\(unknownThere.joined(separator: ", ")) unknown to PostgreSQL (update its time zone data, "
                            + "e.g. the tzdata package it was built against, and restart it)")
                }
                report.fail("time_zones", problems.joined(separator: "; ") + "; \(processZone)", exitCode: 1)
            } else if zones.isEmpty {
                report.ok("time_zones", "no clinics yet; \(processZone)")
            } else {
                let count = zones.reduce(0) { $0 + $1.clinics }
                report.ok(
                    "time_zones",
                    "\(count) clinic(s) in \(zones.map(\.identifier).joined(separator: ", ")), known here and to PostgreSQL; \(processZone)"
                )
            }
        } catch {
            report.fail("time_zones", error, exitCode: 1)
        }
        return report
    }
}

/// What `clinic check` found, in the order it checked.
struct CheckReport: Sendable {
    enum Status: String, Codable, Sendable { case ok, warn, fail }

    struct Check: Codable, Sendable {
        let name: String
        let status: Status
        let detail: String
    }

    private(set) var checks: [Check] = []
    private(set) var skipped: [String] = []
    private var skipReasons: [String] = []
    /// The exit code of each failed check, in order; the first one is the command's.
    private var failureCodes: [Int32] = []

    var exitCode: Int32? { failureCodes.first }

    mutating func add(_ name: String, _ status: Status, _ detail: String) {
        checks.append(Check(name: name, status: status, detail: detail))
    }

    mutating func ok(_ name: String, _ detail: String) { add(name, .ok, detail) }

    mutating func fail(_ name: String, _ detail: String, exitCode: Int32) {
        add(name, .fail, detail)
        failureCodes.append(exitCode)
    }

    mutating func fail(_ name: String, _ error: any Error, exitCode: Int32) {
        fail(name, CommandRuntime.describe(error), exitCode: exitCode)
    }

    mutating func skip(_ names: [String], because reason: String) {
        skipped += names
        skipReasons.append("\(names.joined(separator: ", ")): \(reason)")
    }

    func text() -> String {
        let width = (checks.map(\.name.count).max() ?? 0) + 2
        var lines = checks.map { check in
            let label = check.status == .fail ? "FAIL" : check.status.rawValue
            return label.padding(toLength: 6, withPad: " ", startingAt: 0)
                + check.name.padding(toLength: width, withPad: " ", startingAt: 0) + check.detail
        }
        lines += skipReasons.map { "skip  \($0)" }
        let failures = checks.filter { $0.status == .fail }.count
        let warnings = checks.filter { $0.status == .warn }.count
        lines.append(
            failures == 0
                ? "All \(checks.count) checks passed\(warnings > 0 ? " (\(warnings) warning(s))" : "")."
                : "\(failures) of \(checks.count) checks failed: fix the first one first, then run `clinic check` again."
        )
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        struct Body: Encodable {
            let ok: Bool
            let checks: [Check]
            let skipped: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(
            decoding: try encoder.encode(Body(ok: exitCode == nil, checks: checks, skipped: skipped)), as: UTF8.self)
    }
}
