import ArgumentParser
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic seed --demo`: a demo clinic with rooms, clinicians and a handful of referrals.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Load demo data. Safe to run again: what exists is left as it is.")

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "The demo clinic in America/Phoenix with rooms, clinicians and referrals.") var demo = false

    func validate() throws {
        guard demo else { throw ValidationError("say what to seed: --demo") }
    }

    func run() async throws {
        try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
            let summary = try await DemoSeed(services: try APIServices.postgres(db),
                                             setup: ClinicSetupService(store: PostgresClinicStore(database: db))).load()
            print(summary)
        }
    }
}
