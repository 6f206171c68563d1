import ClinicServices

/// What generated handlers cannot get from Hummingbird's context: the request id and the caller.
///
/// Middleware sets these task-locals around the rest of the chain, so a handler reads them as
/// `RequestScope.principal` without the generated code knowing about either.
enum RequestScope {
    @TaskLocal static var requestID: String?
    @TaskLocal static var principal: Principal?

    /// The acting principal for a handler behind the auth middleware.
    static func actor() throws -> Actor {
        guard let principal else { throw APIProblem.unauthorized("no principal for this request") }
        return Actor(principal: principal, requestID: requestID)
    }
}
