import Foundation
import NIOSSL
import PostgresNIO

/// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`, parsed once
/// into what both the pool and a single probing connection are configured from.
public struct DatabaseURL: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    enum SSLMode: Sendable { case disable, prefer, require }

    public let host: String
    public let port: Int
    public let username: String
    let password: String?
    public let database: String
    let sslMode: SSLMode

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else { throw Invalid(description: "DATABASE_URL must look like postgres://user@host:port/database") }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(description: "DATABASE_URL has no host (postgres://user@HOST:port/database)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw Invalid(description: "DATABASE_URL has no user name (postgres://USER@host:port/database)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw Invalid(description: "DATABASE_URL has no database name (postgres://user@host:port/DATABASE)")
        }
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": sslMode = .disable
        case "prefer", "allow": sslMode = .prefer
        case "require", "verify-ca", "verify-full": sslMode = .require
        default: throw Invalid(description: "DATABASE_URL sslmode must be disable, prefer or require")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.password?.removingPercentEncoding
        self.database = database
    }

    /// The pool's configuration.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        return PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// One connection's configuration, for probes that must not go through the pool.
    var connectionConfiguration: PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls =
                switch sslMode {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
        } catch {
            tls = .disable
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// Parses `text`; kept for callers that need only the pool's configuration.
    public static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        try DatabaseURL(text).clientConfiguration
    }
}
