import ClinicServices
import OpenAPIRuntime

/// `/health`, `/ready`, `/metrics`.
extension APIHandler {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        // Within a second (by default), whatever the database does: a load balancer asks this to decide.
        let probe = services.readiness
        let readiness =
            (try? await withDeadline(readinessTimeout) { await probe.readiness() })
            ?? Readiness(databaseReachable: false, pendingMigrations: [])
        let body = Components.Schemas.Readiness(
            status: readiness.isReady ? .ready : .notReady,
            database: readiness.databaseReachable ? .up : .down,
            pendingMigrations: readiness.pendingMigrations)
        return readiness.isReady ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(body: .json(body)))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.emitToBuffer()))))
    }
}
