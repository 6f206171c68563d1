import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Starts the built `clinic serve` on the test database at a free loopback port, waits until it
/// answers `/health`, runs `body` with its base URL, then kills it.
/// - Returns: everything the server wrote, for assertions on its log.
@discardableResult
public func withRunningServer(_ db: TestDatabase, poolSize: Int = 6, _ body: (String) async throws -> Void) async throws
    -> String
{
    let port = try freeLoopbackPort()
    let server = try ChildProcess.start(
        try ChildProcess.clinicExecutable(), ["serve", "--port", "\(port)"],
        environment: ["DATABASE_URL": db.url, "CLINIC_LOG_LEVEL": "warning", "CLINIC_DB_POOL_MAX": "\(poolSize)"])
    defer { server.signal(SIGKILL) }
    let base = "http://127.0.0.1:\(port)"
    var healthy = false
    for _ in 0..<200 where !healthy {
        if let (_, response) = try? await URLSession.shared.data(from: URL(string: "\(base)/health")!) {
            healthy = (response as? HTTPURLResponse)?.statusCode == 200
        }
        if !healthy { try await Task.sleep(for: .milliseconds(100)) }
    }
    guard healthy else { throw TestSupportError("server did not start: \(server.output())") }
    try await body(base)
    return server.output()
}
