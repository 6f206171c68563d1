import ClinicServices
import Foundation

/// What generated handlers cannot get from Hummingbird's context: the request id, the caller and
/// the request's one instant.
///
/// Middleware and the route wrapper set these task-locals around the rest of the chain, so a
/// handler reads them as `RequestScope.principal` without the generated code knowing about either.
enum RequestScope {
    @TaskLocal static var requestID: String?
    @TaskLocal static var principal: Principal?
    /// Read once from the injected clock when the request reaches its route: every decision and
    /// every row of the request uses this instant.
    @TaskLocal static var now: Date?
    /// `scheme://host/fhir/r4` for the links a FHIR answer carries (FHIRNegotiationMiddleware).
    @TaskLocal static var fhirBase: String?
    /// The FHIR request's path and query after the base (`/Slot?schedule=...`).
    @TaskLocal static var fhirSelf: String?
    /// The same, decoded: what the next page's link is written from.
    @TaskLocal static var fhirSearch: FHIRSearch?

    /// The request's instant (the clock's reading now, outside a route).
    static var instant: Date { now ?? Date() }

    /// The acting principal for a handler behind the auth middleware.
    static func actor() throws -> Actor {
        guard let principal else { throw APIProblem.unauthorized("no principal for this request") }
        return Actor(principal: principal, requestID: requestID, at: instant)
    }
}
