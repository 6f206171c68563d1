import ArgumentParser
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

extension Role: ExpressibleByArgument {}

/// `clinic token create|list|revoke`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print its secret once (the last line of output).",
            discussion: """
                The secret is stored only as a SHA-256 hash: it cannot be shown again. Roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).

                Every token reaches the clinics it names (--clinic, repeated for each) or the whole network \
                (--all-clinics), and nothing else: another clinic's referrals, appointments, imaging and \
                reports are answered as if they did not exist. Creating clinics, editing candidacy rule sets, \
                reading the audit trail and the network report need --all-clinics.
                """
        )

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The token's role: \(Role.allCases.map(\.rawValue).joined(separator: "|")).") var role: Role
        @Option(help: "Who or what holds the token, e.g. \"PACS interface\".") var name: String
        @Option(name: .customLong("clinic"), help: "A clinic the token reaches; repeat for each clinic.")
        var clinics: [String] = []
        @Flag(help: "The token reaches every clinic, present and future (network administrators and reporters).")
        var allClinics = false
        @Option(help: "Days until the token expires (default: never).") var expiresInDays: Int?
        @Flag(help: "Print JSON instead of text.") var json = false

        func validate() throws {
            if let days = expiresInDays, !(1...3650).contains(days) {
                throw ValidationError("--expires-in-days must be from 1 to 3650")
            }
            if clinics.isEmpty == !allClinics {
                throw ValidationError(
                    allClinics
                        ? "give either --clinic or --all-clinics, not both"
                        : "say which clinics the token reaches: --clinic ID (repeat for each), or --all-clinics")
            }
            for clinic in clinics where ClinicID(string: clinic) == nil {
                throw ValidationError("--clinic must be a clinic's UUID, not \"\(clinic)\"")
            }
        }

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let service = TokenService(store: PostgresTokenStore(database: db))
                let expiry = expiresInDays.map { Date().addingTimeInterval(Double($0) * 86_400) }
                let scope: ClinicScope =
                    allClinics ? .network : try .only(clinics.map { try ClinicID.parse($0, "--clinic") })
                let (id, secret) = try await service.create(name: name, role: role, scope: scope, expiresAt: expiry)
                if json {
                    let object: [String: String] = [
                        "id": id.description, "name": name, "role": role.rawValue, "token": secret,
                        "scope": scope.description,
                    ]
                    print(
                        String(
                            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
                            as: UTF8.self))
                } else {
                    FileHandle.standardError.write(
                        Data(
                            "Created \(role.rawValue) token \(id) for \(name), reaching \(Self.describe(scope)). Store the secret now: it is not shown again.\n"
                                .utf8))
                    print(secret)
                }
            }
        }

        /// "the whole network", or "clinic <id>" / "clinics <id>, <id>".
        static func describe(_ scope: ClinicScope) -> String {
            guard let ids = scope.clinicIDs else { return "the whole network" }
            if ids.isEmpty { return "no clinic" }
            return (ids.count == 1 ? "clinic " : "clinics ") + ids.map(\.description).joined(separator: ", ")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let tokens = try await TokenService(store: PostgresTokenStore(database: db)).list()
                let format = ISO8601DateFormatter()
                if json {
                    let rows: [[String: String]] = tokens.map { token in
                        var row = [
                            "id": token.id.description, "name": token.name, "role": token.role.rawValue,
                            "createdAt": format.string(from: token.createdAt), "scope": token.scope.description,
                        ]
                        row["expiresAt"] = token.expiresAt.map(format.string)
                        row["revokedAt"] = token.revokedAt.map(format.string)
                        row["lastUsedAt"] = token.lastUsedAt.map(format.string)
                        return row
                    }
                    print(
                        String(
                            decoding: try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]),
                            as: UTF8.self))
                    return
                }
                if tokens.isEmpty {
                    print("No tokens.")
                    return
                }
                for token in tokens {
                    let state =
                        token.revokedAt != nil
                        ? "revoked" : (token.expiresAt.map { $0 < Date() } == true ? "expired" : "active")
                    print(
                        "\(token.id)  \(token.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(state.padding(toLength: 7, withPad: " ", startingAt: 0))  last used \(token.lastUsedAt.map(format.string) ?? "never")  \(token.name)  reaches \(Create.describe(token.scope))"
                    )
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token: it is refused (401) from the next request on.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's id (from `clinic token list`).") var id: String

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                try await TokenService(store: PostgresTokenStore(database: db)).revoke(
                    id: try APITokenID.parse(id, "the token id"), at: Date())
                print("Revoked \(id).")
            }
        }
    }
}
