import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic block add`: time off for a resource, also reachable as `clinic resource block`.
struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block", abstract: "Block a resource's time (holiday, leave, maintenance), list and lift blocks.",
        subcommands: [Add.self, List.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A resource's blocks from now on, by start.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The resource's id.") var resource: String

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let actor = Actor(principal: .commandLine("clinic block list"), requestID: nil, at: Date())
                var cursor: BlockCursor?
                var printed = 0
                repeat {
                    let page = try await ResourceAdministration.postgres(db).blocks(
                        resourceID: try ResourceID.parse(resource, "the resource id"), from: nil, to: nil,
                        after: cursor, limit: 100, actor: actor)
                    for block in page.items {
                        print(
                            "\(block.id)  \(RFC3339.format(block.during.lowerBound)) - \(RFC3339.format(block.during.upperBound))  \(block.kind.rawValue)\(block.overBookings ? " (over bookings)" : "")  \(block.reason.value)"
                        )
                        printed += 1
                    }
                    cursor = page.next
                } while cursor != nil
                if printed == 0 { print("No blocks from now on.") }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a block: its time is bookable again.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The resource's id.") var resource: String
        @Argument(help: "The block's id.") var block: String

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                try await ResourceAdministration.postgres(db).deleteBlock(
                    id: try BlockID.parse(block, "the block id"),
                    resourceID: try ResourceID.parse(resource, "the resource id"),
                    actor: Actor(principal: .commandLine("clinic block delete"), requestID: nil, at: Date()))
                print("Lifted block \(block).")
            }
        }
    }

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
