import ClinicServices
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// `postgres://user[:password]@host[:port][,host[:port]...]/database[?sslmode=...&target_session_attrs=...]`,
/// parsed once into what both the pool and a single probing connection are configured from.
///
/// Several hosts and `target_session_attrs` mean what they mean to libpq: the hosts are tried in
/// order, and with `read-write` (or `primary`) only a server that takes writes is used. That is
/// how the server follows the primary of a pg_auto_failover formation without a proxy: the
/// monitor's `pg_autoctl show uri` prints exactly such a URL. A password left out of the URL is
/// read, as libpq would, from `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`).
public struct DatabaseURL: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// One server of the list.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public let host: String
        public let port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Which server of the list a session may use.
    public enum TargetSession: String, Sendable {
        /// The first that accepts a connection.
        case any
        /// The first whose sessions may write (not a hot standby, not read-only by default).
        case readWrite = "read-write"
    }

    /// libpq's modes: `prefer` and `require` encrypt without checking the certificate (a
    /// pg_auto_failover node's self-signed one passes); `verify-ca` checks it against the roots
    /// (`sslrootcert`, else the system's), `verify-full` also its host name.
    enum SSLMode: Sendable { case disable, prefer, require, verifyCA, verifyFull }

    public let endpoints: [Endpoint]
    public let username: String
    let password: String?
    public let database: String
    public let targetSession: TargetSession
    let sslMode: SSLMode
    /// `sslrootcert`: the certificates `verify-ca` and `verify-full` trust.
    let rootCertificate: String?

    /// - Parameter name: the setting's name, for messages (`DATABASE_URL`, `CLINIC_REPORTS_DATABASE_URL`).
    public init(
        _ text: String, name: String = "DATABASE_URL",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        func invalid(_ message: String) -> Invalid { Invalid(description: "\(name) \(message)") }
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw invalid("must look like postgres://user@host:port/database")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw invalid("has no database name (postgres://user@host:port/DATABASE)")
        }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]
        guard let database = String(path).removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            throw invalid("has no database name (postgres://user@host:port/DATABASE)")
        }
        guard let at = authority.lastIndex(of: "@") else {
            throw invalid("has no user name (postgres://USER@host:port/database)")
        }
        let userInfo = authority[..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let username = user.first.flatMap({ String($0).removingPercentEncoding }), !username.isEmpty else {
            throw invalid("has no user name (postgres://USER@host:port/database)")
        }
        let endpoints = try Self.endpoints(authority[authority.index(after: at)...], name: name)

        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            parameters[String(parts[0])] = parts.count == 2 ? (String(parts[1]).removingPercentEncoding ?? "") : ""
        }
        switch parameters["sslmode"] ?? "disable" {
        case "disable": sslMode = .disable
        case "prefer", "allow": sslMode = .prefer
        case "require": sslMode = .require
        case "verify-ca": sslMode = .verifyCA
        case "verify-full": sslMode = .verifyFull
        default: throw invalid("sslmode must be disable, prefer, require, verify-ca or verify-full")
        }
        rootCertificate = parameters["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 }
        switch parameters["target_session_attrs"] ?? "any" {
        case "any": targetSession = .any
        // libpq's `primary` asks "not in recovery" and `read-write` "transaction_read_only is off";
        // for a pg_auto_failover formation both name the primary.
        case "read-write", "primary": targetSession = .readWrite
        default: throw invalid("target_session_attrs must be any, read-write or primary")
        }
        self.endpoints = endpoints
        self.username = username
        self.database = database
        if user.count == 2 {
            guard let given = String(user[1]).removingPercentEncoding else {
                throw invalid("has a password that is not percent-encoded (write % as %25)")
            }
            self.password = given
        } else {
            self.password = PasswordFile.password(
                endpoint: endpoints[0], database: database, username: username, environment: environment)
        }
    }

    /// `host[:port]` or `[v6 address][:port]`, comma-separated.
    private static func endpoints(_ list: Substring, name: String) throws -> [Endpoint] {
        var endpoints: [Endpoint] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            var host = item
            var portText: Substring?
            if item.hasPrefix("[") {
                guard let close = item.firstIndex(of: "]") else {
                    throw Invalid(description: "\(name) has an unclosed [ in its host")
                }
                host = item[item.index(after: item.startIndex)..<close]
                let after = item[item.index(after: close)...]
                if after.hasPrefix(":") {
                    portText = after.dropFirst()
                } else if !after.isEmpty {
                    throw Invalid(description: "\(name) has text after ] in its host")
                }
            } else if let colon = item.lastIndex(of: ":") {
                host = item[..<colon]
                portText = item[item.index(after: colon)...]
            }
            guard !host.isEmpty else {
                throw Invalid(description: "\(name) has no host (postgres://user@HOST:port/database)")
            }
            var port = 5432
            if let portText, !portText.isEmpty {
                guard let number = Int(portText), (1...65535).contains(number) else {
                    throw Invalid(description: "\(name) has a port that is not 1-65535 (\"\(portText)\")")
                }
                port = number
            }
            endpoints.append(Endpoint(host: String(host), port: port))
        }
        return endpoints
    }

    /// TLS as `sslmode` and `sslrootcert` ask; nil for `disable`.
    public var tlsConfiguration: TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return nil
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
        return tls
    }

    /// The pool's configuration, on `endpoint` (the first of the list when not given).
    public func clientConfiguration(_ endpoint: Endpoint? = nil) -> PostgresClient.Configuration {
        let endpoint = endpoint ?? endpoints[0]
        let tls: PostgresClient.Configuration.TLS =
            switch (sslMode, tlsConfiguration) {
            case (.prefer, let configuration?): .prefer(configuration)
            case (_, let configuration?): .require(configuration)
            case (_, nil): .disable
            }
        return PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: username, password: password, database: database,
            tls: tls)
    }

    /// One connection's configuration, for probes that must not go through the pool. Throws when
    /// the TLS set-up cannot be made (an unreadable `sslrootcert`): never a silent downgrade.
    func connectionConfiguration(_ endpoint: Endpoint) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch (sslMode, tlsConfiguration) {
            case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
            case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
            case (_, nil): .disable
            }
        return PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: username, password: password, database: database,
            tls: tls)
    }

    /// The first server of the list, in order, that answers within `timeout` and suits
    /// `targetSession`; nil when none does (all down, or every one a standby).
    public func locate(timeout: Duration = .seconds(5), logger: Logger) async -> Endpoint? {
        for endpoint in endpoints {
            if await probe(endpoint, timeout: timeout, logger: logger) == .suitable { return endpoint }
        }
        return nil
    }

    /// What one server said when asked.
    enum ProbeAnswer: Sendable { case unreachable, readOnly, suitable }

    /// Opens one connection of its own to `endpoint` and asks what `targetSession` needs to know.
    func probe(_ endpoint: Endpoint, timeout: Duration, logger: Logger) async -> ProbeAnswer {
        let target = targetSession
        let writable = await withOwnConnection(endpoint, timeout: timeout, logger: logger) {
            try await Self.acceptsWrites($0, logger: logger)
        }
        guard let writable else { return .unreachable }
        return target == .any || writable ? .suitable : .readOnly
    }

    /// Runs `body` on a connection of its own to `endpoint` (not the pool's), closed on every
    /// path; nil when it cannot be made, `body` fails, or it all takes longer than `timeout` and
    /// half a second more.
    func withOwnConnection<T: Sendable>(
        _ endpoint: Endpoint, timeout: Duration, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async -> T? {
        guard var options = try? connectionConfiguration(endpoint) else { return nil }
        options.options.connectTimeout = TimeAmount(timeout)
        let configuration = options
        return try? await withDeadline(timeout + .milliseconds(500)) {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                let result = try await body(connection)
                try? await connection.close()
                return result
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// libpq's read-write test: a session whose transactions are read-only by default (a hot
    /// standby, or a primary an operator made read-only) is not one to write through.
    static func acceptsWrites(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SHOW transaction_read_only", logger: logger).collect()
        return try rows.first?.decode(String.self) == "off"
    }
}

/// libpq's password sources for a URL without one: `PGPASSWORD`, then the password file
/// (`PGPASSFILE`, else `~/.pgpass`), whose lines are `host:port:database:user:password` with `*`
/// for any value and `\` escaping `:` and `\`. Like libpq, a file readable by group or others is
/// ignored.
enum PasswordFile {
    static func password(
        endpoint: DatabaseURL.Endpoint, database: String, username: String, environment: [String: String]
    ) -> String? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let path =
            environment["PGPASSFILE"]
            ?? environment["HOME"].map { "\($0)/.pgpass" } ?? "\(NSHomeDirectory())/.pgpass"
        // The file's own mode, through a symbolic link (a mounted secret often is one), as libpq's stat().
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target),
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
            let text = try? String(contentsOfFile: target, encoding: .utf8)
        else { return nil }
        let wanted = [endpoint.host, String(endpoint.port), database, username]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(line)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// One line's fields, with `\:` and `\\` unescaped.
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var escaped = false
        for character in line {
            if escaped {
                field.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
