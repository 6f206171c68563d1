import ArgumentParser
import ClinicApp
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
            guard parts.count == 2, times.count == 2, (1...2).contains(days.count),
                days.allSatisfy({ (1...7).contains($0) }),
                days.first! <= days.last!
            else {
                throw CLIError.failed(
                    "\(spec) is not DAYS=HH:MM-HH:MM, e.g. 1-5=07:00-17:00 (ISO weekdays, 1 = Monday)")
            }
            return (days.first!...days.last!).map { ($0, String(times[0]), String(times[1])) }
        }
    }
}

private var cli: Actor { Actor(principal: .commandLine("clinic resource"), requestID: nil, at: Date()) }

/// `clinic resource add|list|template|block`: rooms and people, their weeks and their time off.
struct ResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resource",
        abstract:
            "Add, list, rename and deactivate a clinic's rooms and people, set their weekly templates, block time.",
        subcommands: [Add.self, List.self, Template.self, Block.self, Update.self])

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract:
                "Rename, deactivate or reactivate a resource; deactivating one with future bookings is refused, listing them."
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The resource's id.") var id: String
        @Option(help: "A new name, unique at the clinic.") var name: String?
        @Flag(inversion: .prefixedNo, help: "--no-active deactivates, --active reactivates.") var active: Bool?

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let detail = try await ResourceAdministration.postgres(db).update(
                    id: try ResourceID.parse(id, "the resource id"), name: name, active: active,
                    actor: Actor(principal: .commandLine("clinic resource update"), requestID: nil, at: Date()))
                let resource = detail.setup.resource
                print(
                    "\(resource.name) (\(resource.id)) is \(resource.active ? "active" : "deactivated"); it holds \(detail.futureBookings.count) future booking(s)."
                )
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a resource to a clinic.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The clinic's id.") var clinic: String
        @Option(help: "procedure_room, consult_room, proceduralist, evaluator or anesthesia.") var kind: ResourceKind
        @Option(help: "Its name, unique at the clinic.") var name: String
        @Option(
            name: .customLong("window"),
            help: "Weekly availability, DAYS=HH:MM-HH:MM (repeatable), e.g. 1-5=07:00-17:00.")
        var windows: [String] = []

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let service = ClinicSetupService.postgres(db)
                let windows = try WeeklySpec.parse(self.windows)
                var added = try await service.addResource(
                    clinicID: try ClinicID.parse(clinic, "--clinic"), kind: kind, name: name, actor: cli)
                if !windows.isEmpty {
                    added = try await service.setTemplate(resourceID: added.resource.id, windows: windows, actor: cli)
                }
                print(
                    "Added \(added.resource.kind.rawValue) \(added.resource.name) (\(added.resource.id)) with \(added.windows.count) weekly window(s)."
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a clinic's resources and their weekly templates.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The clinic's id.") var clinic: String
        @Flag(help: "Print a JSON array instead of text.") var json = false

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let list = try await ClinicSetupService.postgres(db).resources(
                    clinicID: try ClinicID.parse(clinic, "--clinic"),
                    actor: Actor(principal: .commandLine("clinic resource list"), requestID: nil, at: Date()))
                if json {
                    let rows: [[String: Any]] = list.map { setup in
                        [
                            "id": setup.resource.id.description, "kind": setup.resource.kind.rawValue,
                            "name": setup.resource.name.description,
                            "windows": setup.windows.map {
                                ["weekday": $0.weekday, "starts": "\($0.starts)", "ends": "\($0.ends)"] as [String: Any]
                            },
                        ]
                    }
                    print(
                        String(
                            decoding: try JSONSerialization.data(
                                withJSONObject: rows, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
                    return
                }
                if list.isEmpty {
                    print("No resources.")
                    return
                }
                for setup in list {
                    let week = setup.windows.map { "\($0.weekday)=\($0.starts)-\($0.ends)" }.joined(separator: " ")
                    print(
                        "\(setup.resource.id)  \(setup.resource.kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0))  \(setup.resource.name)  \(week.isEmpty ? "(no template: not bookable)" : week)"
                    )
                }
            }
        }
    }

    struct Template: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a resource's weekly template (also `clinic template set`).")
        @OptionGroup var arguments: TemplateArguments

        func run() async throws { try await arguments.replace(as: "clinic resource template") }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a resource (holiday, leave, maintenance) with a reason (also `clinic block add`).")
        @OptionGroup var arguments: BlockArguments

        func run() async throws { try await arguments.add(as: "clinic resource block") }
    }
}
