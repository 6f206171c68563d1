import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic template set`: a resource's weekly template, also reachable as `clinic resource template`.
struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "Set a resource's weekly availability template.",
        subcommands: [SetTemplate.self])

    struct SetTemplate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Replace a resource's weekly template (same as `clinic resource template`).")
        @OptionGroup var arguments: TemplateArguments

        func run() async throws { try await arguments.replace(as: "clinic template set") }
    }
}

/// What both spellings of the template command take, and the one implementation they share.
struct TemplateArguments: ParsableArguments {
    @Argument(help: "The resource's id.") var resource: String
    @Option(
        name: .customLong("window"),
        help: "DAYS=HH:MM-HH:MM (repeatable), e.g. 1-5=07:00-17:00; none clears the template.")
    var windows: [String] = []

    @OptionGroup var database: DatabaseOptions

    /// Replaces the template, audited under `command` so the trail shows which spelling was used.
    func replace(as command: String) async throws {
        try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
            let setup = try await ClinicSetupService.postgres(db)
                .setTemplate(
                    resourceID: try ResourceID.parse(resource, "the resource id"),
                    windows: try WeeklySpec.parse(windows),
                    actor: Actor(principal: .commandLine(command), requestID: nil, at: Date()))
            print("\(setup.resource.name): \(setup.windows.count) weekly window(s).")
        }
    }
}
