import ClinicPostgres
import ClinicTestSupport
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Testing

@Suite("DATABASE_URL")
struct DatabaseURLTests {
    private let noEnvironment: [String: String] = [:]

    @Test("one host: port 5432 unless given, any server, TLS off")
    func oneHost() throws {
        let url = try DatabaseURL("postgres://clinic_app@db.example.org/clinic", environment: noEnvironment)
        #expect(url.endpoints == [.init(host: "db.example.org", port: 5432)])
        #expect(url.username == "clinic_app")
        #expect(url.database == "clinic")
        #expect(url.targetSession == .any)
        #expect(url.clientConfiguration().password == nil)
    }

    @Test("a pg_auto_failover URL: every host in order, read-write sessions only")
    func severalHosts() throws {
        let url = try DatabaseURL(
            "postgresql://clinic_app:s%3Acret@10.0.0.1:6001,10.0.0.2:6002,[fd00::3]/clinic"
                + "?target_session_attrs=read-write&sslmode=prefer",
            environment: noEnvironment)
        #expect(
            url.endpoints == [
                .init(host: "10.0.0.1", port: 6001), .init(host: "10.0.0.2", port: 6002),
                .init(host: "fd00::3", port: 5432),
            ])
        #expect(url.targetSession == .readWrite)
        #expect(url.clientConfiguration().password == "s:cret")
        #expect(url.clientConfiguration(url.endpoints[1]).host == "10.0.0.2")
        #expect(url.endpoints[2].description == "[fd00::3]:5432")
    }

    @Test(
        "refuses what libpq would refuse, naming the setting",
        arguments: [
            "mysql://clinic@db/clinic", "postgres://clinic@db", "postgres://@db/clinic", "postgres://clinic@/clinic",
            "postgres://clinic@db:0/clinic", "postgres://clinic@db:99999/clinic", "postgres://clinic@db:5x/clinic",
            "postgres://clinic@db1,,db2/clinic", "postgres://clinic@[fd00::1/clinic",
            "postgres://clinic@db/clinic?target_session_attrs=standby", "postgres://clinic@db/clinic?sslmode=maybe",
            "postgres://clinic:50%zz@db/clinic",
        ])
    func refusals(text: String) {
        #expect {
            try DatabaseURL(text, name: "CLINIC_REPORTS_DATABASE_URL", environment: [:])
        } throws: { error in
            "\(error)".hasPrefix("CLINIC_REPORTS_DATABASE_URL ")
        }
    }

    @Test(
        "libpq's TLS modes: prefer and require encrypt without checking the certificate, verify-ca and verify-full check it"
    )
    func tlsModes() throws {
        func tls(_ query: String) throws -> TLSConfiguration? {
            try DatabaseURL("postgres://clinic_app@db:/clinic?\(query)", environment: [:]).tlsConfiguration
        }
        #expect(try DatabaseURL("postgres://clinic_app@db:/clinic", environment: [:]).endpoints[0].port == 5432)
        #expect(try tls("sslmode=disable") == nil)
        for mode in ["prefer", "require", "verify-ca", "verify-full"] {
            let configuration = try #require(try tls("sslmode=\(mode)"))
            let expected: CertificateVerification =
                switch mode {
                case "verify-ca": .noHostnameVerification
                case "verify-full": .fullVerification
                default: .none
                }
            #expect(configuration.certificateVerification == expected, "sslmode=\(mode)")
        }
    }

    @Test("a URL without a password takes PGPASSWORD")
    func passwordFromEnvironment() throws {
        let url = try DatabaseURL("postgres://clinic_app@db/clinic", environment: ["PGPASSWORD": "from-env"])
        #expect(url.clientConfiguration().password == "from-env")
    }

    @Test("a URL without a password takes the matching line of the password file, escapes and wildcards included")
    func passwordFile() throws {
        let file = try PasswordFileFixture(
            """
            # host:port:database:user:password
            other:5432:clinic:clinic_app:wrong
            db:5432:clinic:clinic_app:p\\:ss\\\\word
            *:*:*:clinic_owner:owner-secret
            """, mode: 0o600)
        defer { file.remove() }
        let app = try DatabaseURL("postgres://clinic_app@db/clinic", environment: ["PGPASSFILE": file.path])
        #expect(app.clientConfiguration().password == "p:ss\\word")
        let owner = try DatabaseURL("postgres://clinic_owner@any-host:6000/x", environment: ["PGPASSFILE": file.path])
        #expect(owner.clientConfiguration().password == "owner-secret")
        let given = try DatabaseURL("postgres://clinic_app:inline@db/clinic", environment: ["PGPASSFILE": file.path])
        #expect(given.clientConfiguration().password == "inline")
    }

    @Test("a password file others may read is ignored, as libpq ignores it")
    func looseFileIgnored() throws {
        let file = try PasswordFileFixture("*:*:*:*:secret", mode: 0o644)
        defer { file.remove() }
        let url = try DatabaseURL("postgres://clinic_app@db/clinic", environment: ["PGPASSFILE": file.path])
        #expect(url.clientConfiguration().password == nil)
    }

    @Test("locate passes over a host that is down and answers the first that is up")
    func locateSkipsDownHost() async throws {
        try await withTestDatabase { db in
            let live = try DatabaseURL(db.url)
            let down = try freePort()
            let url = try DatabaseURL(
                "postgres://\(live.username)@127.0.0.1:\(down),\(live.endpoints[0])/\(live.database)",
                environment: [:])
            // A refused port answers at once; the limit is for the live server on a loaded machine
            // (2 s ran out with the whole suite running on two cores).
            let found = await url.locate(timeout: .seconds(15), logger: Logger(label: "test"))
            #expect(found == live.endpoints[0])
        }
    }

    @Test("read-write passes over a server whose sessions are read-only; any takes it")
    func readWriteSkipsReadOnly() async throws {
        try await withTestDatabase { db in
            _ = try await db.query(
                PostgresQuery(unsafeSQL: "ALTER DATABASE \"\(db.name)\" SET default_transaction_read_only = on"))
            let live = try DatabaseURL(db.url)
            let base = "postgres://\(live.username)@\(live.endpoints[0])/\(live.database)"
            let logger = Logger(label: "test")
            let readWrite = try DatabaseURL(base + "?target_session_attrs=read-write", environment: [:])
            #expect(await readWrite.locate(timeout: .seconds(15), logger: logger) == nil)
            let any = try DatabaseURL(base, environment: [:])
            #expect(await any.locate(timeout: .seconds(15), logger: logger) == live.endpoints[0])
        }
    }

    private func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A password file in a temporary folder, with the mode libpq checks.
private struct PasswordFileFixture {
    let path: String

    init(_ text: String, mode: Int) throws {
        path = NSTemporaryDirectory() + "pgpass-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
