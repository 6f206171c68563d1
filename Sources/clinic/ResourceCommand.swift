import ArgumentParser
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

extension ResourceKind: ExpressibleByArgument {}
extension BlockKind: ExpressibleByArgument {}

/// Weekly windows written as `DAYS=HH:MM-HH:MM`, e.g. `1-5=07:00-17:00` (ISO weekdays, 1 = Monday).
enum WeeklySpec {
    static func parse(_ specs: [String]) throws -> [(weekday: Int, starts: String, ends: String)] {
        try specs.flatMap { spec -> [(Int, String, String)] in
            let parts = spec.split(separator: "=")
            let times = parts.count == 2 ? parts[1].split(separator: "-") : []
            let days = parts.first?.split(separator: "-").compactMap { Int($0) } ?? []
            guard parts.count == 2, times.count == 2, (1...2).contains(days.count), days.allSatisfy({ (1...7).contains($0) }),
                  days.first! <= days.last! else {
                throw CLIError.failed("\(spec) is not DAYS=HH:MM-HH:MM, e.g. 1-5=07:00-17:00 (ISO weekdays, 1 = Monday)")
            }
            return (days.first!...days.last!).map { ($0, String(times[0]), String(times[1])) }
        }
    }
}

private let cli = Actor(principal: .commandLine("clinic resource"), requestID: nil)

/// `clinic resource add|list|template|block`: rooms and people, their weeks and their time off.
struct ResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resource", abstract: "Add and list a clinic's rooms and people, set their weekly templates, block time.",
        subcommands: [Add.self, List.self, Template.self, Block.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a resource to a clinic.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The clinic's id.") var clinic: String
        @Option(help: "procedure_room, consult_room, proceduralist, evaluator or anesthesia.") var kind: ResourceKind
        @Option(help: "Its name, unique at the clinic.") var name: String
        @Option(name: .customLong("window"), help: "Weekly availability, DAYS=HH:MM-HH:MM (repeatable), e.g. 1-5=07:00-17:00.")
        var windows: [String] = []

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let service = ClinicSetupService(store: PostgresClinicStore(database: db))
                let windows = try WeeklySpec.parse(self.windows)
                var added = try await service.addResource(clinicID: clinic, kind: kind, name: name, actor: cli)
                if !windows.isEmpty {
                    added = try await service.setTemplate(resourceID: added.resource.id.description, windows: windows, actor: cli)
                }
                print("Added \(added.resource.kind.rawValue) \(added.resource.name) (\(added.resource.id)) with \(added.windows.count) weekly window(s).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a clinic's resources and their weekly templates.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The clinic's id.") var clinic: String

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let list = try await ClinicSetupService(store: PostgresClinicStore(database: db)).resources(clinicID: clinic)
                if list.isEmpty { print("No resources."); return }
                for setup in list {
                    let week = setup.windows.map { "\($0.weekday)=\($0.starts)-\($0.ends)" }.joined(separator: " ")
                    print("\(setup.resource.id)  \(setup.resource.kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0))  \(setup.resource.name)  \(week.isEmpty ? "(no template: not bookable)" : week)")
                }
            }
        }
    }

    struct Template: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a resource's weekly template.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The resource's id.") var resource: String
        @Option(name: .customLong("window"), help: "DAYS=HH:MM-HH:MM (repeatable); none clears the template.") var windows: [String] = []

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let setup = try await ClinicSetupService(store: PostgresClinicStore(database: db))
                    .setTemplate(resourceID: resource, windows: try WeeklySpec.parse(windows), actor: cli)
                print("\(setup.resource.name): \(setup.windows.count) weekly window(s).")
            }
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block a resource (holiday, leave, maintenance) with a reason.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The resource's id.") var resource: String
        @Option(help: "Start, RFC 3339 with offset, e.g. 2026-12-24T00:00:00-07:00.") var starts: String
        @Option(help: "End, RFC 3339 with offset.") var ends: String
        @Option(help: "holiday, leave, maintenance or other.") var kind: BlockKind
        @Option(help: "Why.") var reason: String

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                guard let from = try? Date(starts, strategy: .iso8601), let to = try? Date(ends, strategy: .iso8601) else {
                    throw CLIError.failed("--starts and --ends must be RFC 3339 date-times with an offset, e.g. 2026-12-24T00:00:00-07:00")
                }
                let block = try await ClinicSetupService(store: PostgresClinicStore(database: db))
                    .addBlock(resourceID: resource, starts: from, ends: to, kind: kind, reason: reason, actor: cli)
                print("Blocked \(resource) from \(starts) to \(ends) (\(block.kind.rawValue)).")
            }
        }
    }
}
