import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic audit --entity ID`: who read or changed an entity, and when.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit trail of one entity (a referral, a clinic, a token...).")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("entity"), help: "The entity's id.") var entityID: String
    @Option(help: "At most this many entries (1-500).") var limit: Int = 100
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() async throws {
        try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
            let actor = Actor(principal: .commandLine("clinic audit"), requestID: nil, at: Date())
            let page = try await AuditService.postgres(db)
                .entries(
                    entityID: try Identifier<AnyEntity>.parse(entityID, "--entity").rawValue, limit: limit, after: nil,
                    actor: actor)
            let format = ISO8601DateFormatter()
            if json {
                let rows: [[String: Any]] = page.items.map { entry in
                    var row: [String: Any] = [
                        "id": entry.id, "occurredAt": format.string(from: entry.occurredAt),
                        "actorName": entry.actorName, "actorRole": entry.actorRole, "action": entry.action,
                        "entityType": entry.entityType, "outcome": entry.outcome,
                    ]
                    row["requestId"] = entry.requestID
                    return row
                }
                print(
                    String(
                        decoding: try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]),
                        as: UTF8.self))
                return
            }
            if page.items.isEmpty {
                print("No audit entries for \(entityID).")
                return
            }
            for entry in page.items {
                print(
                    "\(format.string(from: entry.occurredAt))  \(entry.outcome.padding(toLength: 7, withPad: " ", startingAt: 0))  \(entry.action.padding(toLength: 22, withPad: " ", startingAt: 0))  \(entry.actorName) (\(entry.actorRole))\(entry.requestID.map { "  request \($0)" } ?? "")"
                )
            }
        }
    }
}

/// Any entity: the audit trail is read by the id of whatever it names.
enum AnyEntity {}
