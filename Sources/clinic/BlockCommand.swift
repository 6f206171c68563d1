import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic block add`: time off for a resource, also reachable as `clinic resource block`.
struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block", abstract: "Block a resource's time (holiday, leave, maintenance).",
        subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a resource with a reason (same as `clinic resource block`).")
        @OptionGroup var arguments: BlockArguments

        func run() async throws { try await arguments.add(as: "clinic block add") }
    }
}

/// What both spellings of the block command take, and the one implementation they share.
struct BlockArguments: ParsableArguments {
    @Argument(help: "The resource's id.") var resource: String
    @Option(help: "Start, RFC 3339 with offset, e.g. 2026-12-24T00:00:00-07:00.") var starts: String
    @Option(help: "End, RFC 3339 with offset.") var ends: String
    @Option(help: "holiday, leave, maintenance or other.") var kind: BlockKind
    @Option(help: "Why.") var reason: String
    @Flag(
        name: .customLong("over-bookings"),
        help: "Block even over live bookings in that time (they are listed); without it such a block is refused.")
    var overBookings = false

    @OptionGroup var database: DatabaseOptions

    /// Adds the block, audited under `command` so the trail shows which spelling was used.
    func add(as command: String) async throws {
        try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
            // The API's parser: four-digit years and any RFC 3339 offset (Foundation's reads years
            // far past what the database driver can encode).
            guard let from = RFC3339.instant(starts), let to = RFC3339.instant(ends) else {
                throw CLIError.failed(
                    "--starts and --ends must be RFC 3339 date-times with an offset, e.g. 2026-12-24T00:00:00-07:00")
            }
            let added = try await ResourceAdministration.postgres(db)
                .addBlock(
                    resourceID: try ResourceID.parse(resource, "the resource id"), starts: from, ends: to, kind: kind,
                    reason: reason, overBookings: overBookings,
                    actor: Actor(principal: .commandLine(command), requestID: nil, at: Date()))
            let block = added.block
            for booking in added.covering {
                print(
                    "Over booking: appointment \(booking.appointmentID) (\(booking.kind.rawValue), \(booking.state.rawValue)) at \(RFC3339.format(booking.during.lowerBound))"
                )
            }
            print("Blocked \(resource) from \(starts) to \(ends) (\(block.kind.rawValue)).")
        }
    }
}
