import ClinicTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real binary on a loopback port, driven over HTTP the way a clinic's systems would.
@Suite("clinic serve, end to end")
struct ServerProcessTests {
    @Test(
        "with a token made by the CLI, a referral is created over HTTP and read back; SIGTERM stops the server cleanly")
    func referralRoundTrip() async throws {
        try await withTestDatabase { db in
            let clinic = try await Fixtures(db).clinic()
            let clinicBinary = try ChildProcess.clinicExecutable()
            let environment = ["DATABASE_URL": db.url, "CLINIC_LOG_LEVEL": "warning"]

            // The schema's owner migrates; the server and the other commands run as the application role.
            let migrate = try await ChildProcess.run(
                clinicBinary, ["migrate"],
                environment: ["CLINIC_MIGRATE_DATABASE_URL": db.ownerURL, "DATABASE_URL": db.url])
            #expect(migrate.status == 0)
            #expect(migrate.output.contains("up to date"))

            let created = try await ChildProcess.run(
                clinicBinary, ["token", "create", "--role", "scheduler", "--all-clinics", "--name", "e2e front desk"],
                environment: environment)
            #expect(created.status == 0)
            let token = try #require(created.output.split(separator: "\n").last.map(String.init))
            #expect(token.hasPrefix("clin_"))

            let port = try freeLoopbackPort()
            let server = try ChildProcess.start(
                clinicBinary, ["serve", "--host", "127.0.0.1", "--port", "\(port)"], environment: environment)
            defer { server.signal(SIGKILL) }
            let base = "http://127.0.0.1:\(port)"
            try await waitUntilHealthy(base, server: server)

            var post = URLRequest(url: URL(string: "\(base)/v1/referrals")!)
            post.httpMethod = "POST"
            post.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            post.setValue("application/json", forHTTPHeaderField: "Content-Type")
            post.httpBody = Data(Fixtures.l1WedgeJSON(clinicID: clinic.id).utf8)
            let (postData, postResponse) = try await URLSession.shared.data(for: post)
            #expect((postResponse as? HTTPURLResponse)?.statusCode == 201)
            let referral = try #require(try JSONSerialization.jsonObject(with: postData) as? [String: Any])
            let id = try #require(referral["id"] as? String)

            var get = URLRequest(url: URL(string: "\(base)/v1/referrals/\(id)")!)
            get.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (getData, getResponse) = try await URLSession.shared.data(for: get)
            let http = try #require(getResponse as? HTTPURLResponse)
            #expect(http.statusCode == 200)
            #expect(http.value(forHTTPHeaderField: "ETag") == "\"1\"")
            #expect(http.value(forHTTPHeaderField: "X-Request-Id") != nil)
            let read = try #require(try JSONSerialization.jsonObject(with: getData) as? [String: Any])
            #expect(read["status"] as? String == "triaged")
            #expect((read["patient"] as? [String: Any])?["familyName"] as? String == "Whitfield")

            let (_, unauthorized) = try await URLSession.shared.data(
                for: URLRequest(url: URL(string: "\(base)/v1/referrals/\(id)")!))
            #expect((unauthorized as? HTTPURLResponse)?.statusCode == 401)

            server.signal(SIGTERM)
            #expect(try await server.wait(timeout: .seconds(20)) == 0)
        }
    }

    @Test("serve refuses to start while migrations are pending, and says to run clinic migrate")
    func refusesWithPendingMigrations() async throws {
        try await withTestDatabase { db in
            _ = try await db.query("DROP SCHEMA public CASCADE")
            _ = try await db.query("CREATE SCHEMA public")
            let result = try await runClinic(
                ["serve", "--port", "\(try freeLoopbackPort())"],
                environment: ["DATABASE_URL": db.url])
            #expect(result.status == 4)
            #expect(result.output.contains("clinic migrate"))
        }
    }

    @Test(
        "serve refuses to run as the schema's owner, and check fails on that role, both exit 2 saying which role to use"
    )
    func refusesOwnerRole() async throws {
        try await withTestDatabase { db in
            let serve = try await runClinic(
                ["serve", "--port", "\(try freeLoopbackPort())"], environment: ["DATABASE_URL": db.ownerURL])
            #expect(serve.status == 2)
            #expect(serve.output.contains("clinic_owner owns") && serve.output.contains("clinic_app"))
            let check = try await runClinic(["check"], environment: ["DATABASE_URL": db.ownerURL])
            #expect(check.status == 2)
            #expect(check.output.contains("FAIL  database_role"))
        }
    }

    @Test(
        "configuration mistakes fail fast with exit code 2 and say what to fix",
        arguments: [
            (["migrate"], ["DATABASE_URL": ""], "DATABASE_URL is not set"),
            (["migrate"], ["DATABASE_URL": "mysql://localhost/clinic"], "postgres://"),
            (
                ["serve"], ["DATABASE_URL": "postgres://clinic@127.0.0.1:1/clinic", "CLINIC_HTTP_PORT": "eighty"],
                "CLINIC_HTTP_PORT"
            ),
        ])
    func configurationErrors(arguments: [String], environment: [String: String], message: String) async throws {
        let result = try await runClinic(arguments, environment: environment)
        #expect(result.status == 2)
        #expect(result.output.contains(message))
    }

    @Test("an unreachable database is exit code 3 with a clear message")
    func unreachableDatabase() async throws {
        let port = try freeLoopbackPort()
        let result = try await runClinic(
            ["migrate"],
            environment: ["DATABASE_URL": "postgres://clinic@127.0.0.1:\(port)/clinic"])
        #expect(result.status == 3)
        #expect(result.output.contains("cannot reach the database"))
    }

    @Test("an unknown role is a usage error (64) naming the roles")
    func unknownRole() async throws {
        let result = try await runClinic(
            ["token", "create", "--role", "wizard", "--name", "x"],
            environment: ["DATABASE_URL": "postgres://clinic@127.0.0.1:1/clinic"])
        #expect(result.status == 64)
        #expect(result.output.contains("admin"))
    }

    @Test("hostile requests to the running server get 4xx problem+json and leave the database unchanged")
    func hostileInput() async throws {
        try await withTestDatabase { db in
            let clinic = try await Fixtures(db).clinic()
            let token = try await Fixtures(db).token(.admin)
            let clinicBinary = try ChildProcess.clinicExecutable()
            let port = try freeLoopbackPort()
            let server = try ChildProcess.start(
                clinicBinary, ["serve", "--port", "\(port)"],
                environment: ["DATABASE_URL": db.url, "CLINIC_LOG_LEVEL": "warning"])
            defer { server.signal(SIGKILL) }
            let base = "http://127.0.0.1:\(port)"
            try await waitUntilHealthy(base, server: server)
            let good = Fixtures.l1WedgeJSON(clinicID: clinic.id)
            let cases:
                [(name: String, method: String, path: String, contentType: String?, body: Data?, expected: Int)] = [
                    (
                        "10 MB body", "POST", "/v1/referrals", "application/json",
                        Data(
                            good.replacingOccurrences(
                                of: "\"reason\":\"", with: "\"reason\":\"" + String(repeating: "A", count: 10 << 20)
                            ).utf8), 413
                    ),
                    (
                        "NUL in a name", "POST", "/v1/referrals", "application/json",
                        Data(good.replacingOccurrences(of: "Eleanor", with: "El\\u0000eanor").utf8), 400
                    ),
                    (
                        "deep nesting", "POST", "/v1/referrals", "application/json",
                        Data(
                            (String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000))
                                .utf8), 400
                    ),
                    ("not JSON", "POST", "/v1/referrals", "application/json", Data("clinicId=1&reason=x".utf8), 400),
                    ("wrong content type", "POST", "/v1/referrals", "application/xml", Data("<referral/>".utf8), 415),
                    (
                        "injection in a query", "GET", "/v1/referrals?cursor=%27%3B--%20DROP%20TABLE%20referrals", nil,
                        nil, 400
                    ),
                    ("injection in a path", "GET", "/v1/referrals/1%27%20OR%20%271%27%3D%271", nil, nil, 400),
                    ("unknown enum value", "GET", "/v1/referrals?status=deleted", nil, nil, 400),
                    ("unknown route", "GET", "/v1/admin/shell", nil, nil, 404),
                    ("wrong method", "PUT", "/v1/referrals", "application/json", Data(good.utf8), 405),
                ]
            for item in cases {
                var request = URLRequest(url: URL(string: base + item.path)!)
                request.httpMethod = item.method
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                if let type = item.contentType { request.setValue(type, forHTTPHeaderField: "Content-Type") }
                request.httpBody = item.body
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                #expect(http.statusCode == item.expected, "\(item.name)")
                #expect(http.value(forHTTPHeaderField: "Content-Type") == "application/problem+json", "\(item.name)")
                let text = String(decoding: data, as: UTF8.self)
                #expect(
                    !text.contains("PSQL") && !text.contains("SELECT") && !text.contains("Whitfield"),
                    "\(item.name): \(text)")
            }
            #expect(try await db.count("referrals") == 0)
            #expect(try await db.count("patients") == 0)
            let (_, health) = try await URLSession.shared.data(from: URL(string: "\(base)/health")!)
            #expect((health as? HTTPURLResponse)?.statusCode == 200)
            #expect(!server.output().contains("Whitfield"))
            #expect(!server.output().contains(token))
        }
    }

    private func waitUntilHealthy(_ base: String, server: ChildProcess) async throws {
        for _ in 0..<200 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "\(base)/health")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("server did not become healthy; its output:\n\(server.output())")
    }
}
