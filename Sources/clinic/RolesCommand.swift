import ArgumentParser
import ClinicDomain

/// `clinic roles`: prints the permission matrix the server enforces.
struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Print the permission matrix: which role may call which operation.")

    @Flag(help: "Print as Markdown (the README's table).") var markdown = false

    func run() {
        print(PermissionMatrix.table(markdown: markdown))
    }
}
