import ArgumentParser
import ClinicPostgres
import ClinicServices
import Configuration
import Foundation
import Logging

/// Flags shared by every command that talks to the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL URL (default: $DATABASE_URL), e.g. postgres://clinic@127.0.0.1:54329/clinic")
    var databaseURL: String?
}

/// Settings read from flags first, then the environment, through swift-configuration.
/// Anything missing or malformed stops the command with exit code 2 and says what to set.
struct Settings {
    let reader: ConfigReader

    init(flags: [String: String?]) {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for case let (key, value?) in flags {
            values[AbsoluteConfigKey(stringLiteral: key)] = .init(.string(value), isSecret: false)
        }
        reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values), EnvironmentVariablesProvider(),
        ])
    }

    func databaseURL() throws -> DatabaseURL {
        guard let url = reader.string(forKey: "database.url", isSecret: true), !url.isEmpty else {
            throw CLIError.configuration(
                "DATABASE_URL is not set: export DATABASE_URL=postgres://USER@HOST:PORT/DATABASE or pass --database-url"
            )
        }
        do { return try DatabaseURL(url) } catch {
            throw CLIError.configuration("\(error)")
        }
    }

    /// A streaming replica for the reports' figures (`CLINIC_REPORTS_DATABASE_URL`), when set.
    func reportsDatabaseURL() throws -> DatabaseURL? {
        guard let url = reader.string(forKey: "clinic.reports.database.url", isSecret: true), !url.isEmpty else {
            return nil
        }
        do { return try DatabaseURL(url, name: "CLINIC_REPORTS_DATABASE_URL") } catch {
            throw CLIError.configuration("\(error)")
        }
    }

    /// The most one HTTP request may take, waiting for a connection and running its statements
    /// included; later it is answered 503. Also each statement's timeout on the server's pool.
    func requestTimeout() throws -> Duration {
        .milliseconds(
            try decimalSeconds("clinic.request.timeout", env: "CLINIC_REQUEST_TIMEOUT", default: 10, range: 0.1...300))
    }

    /// How long SIGTERM waits for requests in flight before the server stops anyway.
    func drainTimeout() throws -> Duration {
        .milliseconds(
            try decimalSeconds("clinic.drain.timeout", env: "CLINIC_DRAIN_TIMEOUT", default: 10, range: 0...300))
    }

    /// How webhook deliveries are paced: `CLINIC_WEBHOOK_TIMEOUT` (seconds per request, default
    /// 10), `CLINIC_WEBHOOK_RETRY_DELAY` (seconds after a first failure, doubling up to
    /// `CLINIC_WEBHOOK_MAX_DELAY`, default 5 and 600) and `CLINIC_WEBHOOK_PAUSE_AFTER` (failures in
    /// a row before a subscription is paused, default 8); `CLINIC_WEBHOOK_LEASE` (seconds a server
    /// holds a subscription it delivers for, renewed with each delivery, default 60: after a crash,
    /// another server takes over once it runs out).
    func webhookPolicy() throws -> WebhookPolicy {
        let policy = WebhookPolicy(
            pauseAfterFailures: try integer(
                "clinic.webhook.pause.after", env: "CLINIC_WEBHOOK_PAUSE_AFTER", default: 8, range: 1...1000),
            firstRetryDelay: .milliseconds(
                try decimalSeconds(
                    "clinic.webhook.retry.delay", env: "CLINIC_WEBHOOK_RETRY_DELAY", default: 5, range: 0.1...3600)),
            maximumDelay: .milliseconds(
                try decimalSeconds(
                    "clinic.webhook.max.delay", env: "CLINIC_WEBHOOK_MAX_DELAY", default: 600, range: 0.1...86_400)),
            requestTimeout: .milliseconds(
                try decimalSeconds(
                    "clinic.webhook.timeout", env: "CLINIC_WEBHOOK_TIMEOUT", default: 10, range: 0.1...120)),
            lease: .milliseconds(
                try decimalSeconds("clinic.webhook.lease", env: "CLINIC_WEBHOOK_LEASE", default: 60, range: 1...3600)))
        // A lease shorter than one delivery could run out mid-request and let a second server send too.
        guard policy.lease > policy.requestTimeout else {
            throw CLIError.configuration("CLINIC_WEBHOOK_LEASE must be longer than CLINIC_WEBHOOK_TIMEOUT")
        }
        return policy
    }

    /// How long `/ready` waits for the database before it answers "not ready".
    func readinessTimeout() throws -> Duration {
        .milliseconds(
            try decimalSeconds("clinic.ready.timeout", env: "CLINIC_READY_TIMEOUT", default: 1, range: 0.1...60))
    }

    /// The secret that seals list cursors, when configured (servers behind one load balancer need
    /// the same); nil lets each process make its own key.
    func cursorSecret() throws -> String? {
        guard let secret = reader.string(forKey: "clinic.cursor.secret", isSecret: true), !secret.isEmpty else {
            return nil
        }
        guard secret.count >= 32 else {
            throw CLIError.configuration(
                "CLINIC_CURSOR_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)")
        }
        return secret
    }

    /// Open HTTP connections beyond this wait in the kernel's accept queue.
    func httpMaximumConnections() throws -> Int {
        try integer(
            "clinic.http.max.connections", env: "CLINIC_HTTP_MAX_CONNECTIONS", default: 1024, range: 1...100_000)
    }

    func poolMaximum() throws -> Int {
        try integer("clinic.db.pool.max", env: "CLINIC_DB_POOL_MAX", default: 8, range: 1...200)
    }

    func httpHost() -> String { reader.string(forKey: "clinic.http.host") ?? "127.0.0.1" }

    func httpPort() throws -> Int {
        try integer("clinic.http.port", env: "CLINIC_HTTP_PORT", default: 8080, range: 0...65535)
    }

    /// The MLLP listener's port, when HL7 over MLLP is wanted (`--mllp-port`, CLINIC_MLLP_PORT).
    func mllpPort() throws -> Int? {
        guard reader.string(forKey: "clinic.mllp.port") != nil else { return nil }
        return try integer("clinic.mllp.port", env: "CLINIC_MLLP_PORT", default: 2575, range: 0...65535)
    }

    /// The MLLP listener's address: CLINIC_MLLP_HOST, else the HTTP server's.
    func mllpHost() -> String { reader.string(forKey: "clinic.mllp.host") ?? httpHost() }

    /// The intake token MLLP messages are taken as: MLLP carries no credentials of its own.
    func mllpToken() throws -> String {
        guard let token = reader.string(forKey: "clinic.mllp.token", isSecret: true), !token.isEmpty else {
            throw CLIError.configuration(
                "the MLLP listener needs CLINIC_MLLP_TOKEN: an intake token of the clinics its feed serves "
                    + "(clinic token create --role intake --clinic ID)")
        }
        return token
    }

    /// `scheme://host[:port]` the FHIR links are written with (CLINIC_PUBLIC_URL); nil: each
    /// request's own Host.
    func publicURL() throws -> String? {
        guard let text = reader.string(forKey: "clinic.public.url"), !text.isEmpty else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
            url.path.isEmpty || url.path == "/", url.query == nil
        else {
            throw CLIError.configuration(
                "CLINIC_PUBLIC_URL must be scheme://host[:port] (http or https, no path), not \"\(text)\"")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// The booking link and phone that published free slots carry (CLINIC_BOOKING_URL, CLINIC_BOOKING_PHONE).
    func bookingURL() throws -> URL? {
        guard let text = reader.string(forKey: "clinic.booking.url"), !text.isEmpty else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw CLIError.configuration("CLINIC_BOOKING_URL must be an http or https URL, not \"\(text)\"")
        }
        return url
    }

    func bookingPhone() -> String? {
        reader.string(forKey: "clinic.booking.phone").flatMap { $0.isEmpty ? nil : $0 }
    }

    func logLevel() throws -> Logger.Level {
        guard let text = reader.string(forKey: "clinic.log.level") else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw CLIError.configuration(
                "CLINIC_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    /// Seconds with up to three decimals, e.g. "2.5", as whole milliseconds.
    private func decimalSeconds(_ key: String, env: String, default value: Int, range: ClosedRange<Double>) throws
        -> Int
    {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return value * 1000 }
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite, range.contains(number)
        else {
            throw CLIError.configuration(
                "\(env) must be a number of seconds from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return Int((number * 1000).rounded())
    }

    private func integer(_ key: String, env: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return value }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw CLIError.configuration(
                "\(env) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
        }
        return number
    }
}

/// A command failure with the exit code the README documents.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32

    static func configuration(_ message: String) -> CLIError { CLIError(description: message, exitCode: 2) }
    static func unreachable(_ message: String) -> CLIError { CLIError(description: message, exitCode: 3) }
    static func schema(_ message: String) -> CLIError { CLIError(description: message, exitCode: 4) }
    static func failed(_ message: String) -> CLIError { CLIError(description: message, exitCode: 1) }
}
