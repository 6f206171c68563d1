import ArgumentParser
import ClinicPostgres
import Foundation

/// `clinic migrate`: applies pending migrations, safely even when run twice at once.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (each in its own transaction, under a lock).",
        discussion: """
            Run it as the role that owns the schema (CLINIC_MIGRATE_DATABASE_URL, else --database-url or \
            DATABASE_URL), never as the server's application role: migrations create tables and grant the \
            application role (clinic_app) what it needs. Refuses to run when an applied migration file was \
            edited since (exit code 4).
            """)

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Only list pending migrations; apply nothing.") var dryRun = false

    func run() async throws {
        // The owner's URL may sit beside the server's in one environment file.
        let url =
            database.databaseURL
            ?? ProcessInfo.processInfo.environment["CLINIC_MIGRATE_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        try await CommandRuntime.withDatabase(url: url) { db in
            let migrator = Migrator(database: db, migrations: try Migration.bundled())
            if dryRun {
                let pending = try await migrator.pending()
                print(
                    pending.isEmpty
                        ? "No pending migrations." : pending.map { "pending: \($0)" }.joined(separator: "\n"))
                return
            }
            let applied = try await migrator.migrate()
            print(
                applied.isEmpty ? "Database is up to date." : applied.map { "applied: \($0)" }.joined(separator: "\n"))
        }
    }
}
