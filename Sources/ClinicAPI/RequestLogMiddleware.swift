import Foundation
import Hummingbird
import Logging
import OpenAPIRuntime

/// The outermost middleware: gives each request an id, answers every error as problem+json,
/// and writes one structured log line per request. Handling time is bounded below it: each
/// route runs under the request deadline (`RecordingTransport`), which answers 503 when the
/// wait for a connection and the statements together take too long.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let requestID = Self.requestID(from: request)
        let started = ContinuousClock.now
        var response: Response
        var failure: (any Error)?
        do {
            response = try await RequestScope.$requestID.withValue(requestID) {
                try await next(request, context)
            }
        } catch {
            failure = error
            var problem = APIProblem.from(error)
            if problem.status == .notFound, let allowed = routes.methods(for: request.uri.path),
                !allowed.contains(request.method)
            {
                problem = APIProblem(
                    status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
                    detail: "\(request.uri.path) accepts \(allowed.map(\.rawValue).sorted().joined(separator: ", ")).",
                    headers: [.allow: allowed.map(\.rawValue).sorted().joined(separator: ", ")])
            } else if problem.status == .notFound, routes.methods(for: request.uri.path) == nil, !(error is APIProblem)
            {
                problem = .notFound("No such route: \(request.method.rawValue) \(request.uri.path).")
            }
            response =
                request.uri.path.hasPrefix(FHIRNegotiation.prefix)
                ? problem.fhirResponse(requestID: requestID) : problem.response(requestID: requestID)
        }
        response.headers[.init("X-Request-Id")!] = requestID
        let elapsed = ContinuousClock.now - started
        var metadata: Logger.Metadata = [
            "request_id": .string(requestID),
            "method": .string(request.method.rawValue),
            // The path only, never the query string: queries can carry patient identifiers.
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .stringConvertible(
                (Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000).rounded()),
        ]
        if let failure, response.status.code >= 500 {
            // The cause goes to the log only, and only its plain description: the debug description
            // of a database error carries the query's bound values, which may be patient data.
            metadata["error"] = .string(Self.loggable(failure))
            logger.error("request failed", metadata: metadata)
        } else {
            logger.info("request", metadata: metadata)
        }
        return response
    }

    /// The error's type and cause, without the request it came with: a ServerError's description
    /// repeats the request's headers (the bearer token) and its decoded input (patient data).
    static func loggable(_ error: any Error) -> String {
        if let server = error as? ServerError {
            return "\(server.operationID): " + loggable(server.underlyingError)
        }
        return "\(type(of: error)): \(error)"
    }

    /// The caller's X-Request-Id when it is short and plain, otherwise a new one.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[.init("X-Request-Id")!], (1...64).contains(given.count),
            given.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0)
            })
        {
            return given
        }
        return UUID().uuidString.lowercased()
    }
}
