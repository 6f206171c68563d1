import ArgumentParser
import ClinicPostgres

/// `clinic migrate`: applies pending migrations, safely even when run twice at once.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (each in its own transaction, under a lock).",
        discussion: "Refuses to run when an applied migration file was edited since (exit code 4).")

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Only list pending migrations; apply nothing.") var dryRun = false

    func run() async throws {
        try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
            let migrator = Migrator(database: db, migrations: try Migration.bundled())
            if dryRun {
                let pending = try await migrator.pending()
                print(pending.isEmpty ? "No pending migrations." : pending.map { "pending: \($0)" }.joined(separator: "\n"))
                return
            }
            let applied = try await migrator.migrate()
            print(applied.isEmpty ? "Database is up to date." : applied.map { "applied: \($0)" }.joined(separator: "\n"))
        }
    }
}
