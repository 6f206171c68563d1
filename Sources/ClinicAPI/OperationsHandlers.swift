import OpenAPIRuntime

/// `/health`, `/ready`, `/metrics`.
extension APIHandler {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        let readiness = await services.readiness.readiness()
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
