import ClinicServices
import PostgresNIO

/// `/ready`: the database answers and every bundled migration is applied.
public struct PostgresReadinessProbe: ReadinessProbe {
    let migrator: Migrator

    public init(database: ClinicDatabase, migrations: [Migration]) {
        self.migrator = Migrator(database: database, migrations: migrations)
    }

    public func readiness() async -> Readiness {
        do {
            return Readiness(databaseReachable: true, pendingMigrations: try await migrator.pending())
        } catch let error as MigrationError {
            return Readiness(databaseReachable: true, pendingMigrations: ["\(error)"])
        } catch {
            return Readiness(databaseReachable: false, pendingMigrations: [])
        }
    }
}
