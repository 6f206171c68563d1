import ArgumentParser
import ClinicDomain

/// `clinic roles`: prints the permission matrix the server enforces.
struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Print the permission matrix: which role may call which operation.")

    @Flag(help: "Print as Markdown (the README's table).") var markdown = false

    func run() {
        print(PermissionTable.render(markdown: markdown))
    }
}

/// The matrix as text; the README's table is this output.
enum PermissionTable {
    static func render(markdown: Bool) -> String {
        let roles = Role.allCases
        let header = ["operation"] + roles.map(\.rawValue)
        let rows = PermissionMatrix.operations.map { operation -> [String] in
            [operation.operationID] + roles.map { role in
                switch operation.access {
                case .anonymous: "public"
                case .roles(let allowed): allowed.contains(role) ? "yes" : "-"
                }
            }
        }
        if markdown {
            let line = { (cells: [String]) in "| " + cells.joined(separator: " | ") + " |" }
            return ([line(header), line(header.map { _ in "---" })] + rows.map(line)).joined(separator: "\n")
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let line = { (cells: [String]) in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
