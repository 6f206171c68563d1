import ClinicServices
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import Synchronization

/// The routes the OpenAPI document registered, so that a known path with the wrong method can
/// be answered 405 with `Allow` (the router itself answers 404 for both).
final class RouteTable: Sendable {
    private let routes = Mutex<[(template: [Substring], method: HTTPRequest.Method)]>([])

    func add(path: String, method: HTTPRequest.Method) {
        routes.withLock { $0.append((path.split(separator: "/"), method)) }
    }

    /// The methods a concrete path accepts, or nil when no route has this path.
    func methods(for path: String) -> Set<HTTPRequest.Method>? {
        let parts = path.split(separator: "/")
        let matching = routes.withLock { routes in
            routes.filter { route in
                route.template.count == parts.count
                    && zip(route.template, parts).allSatisfy { template, part in
                        template.hasPrefix("{") || template == part
                    }
            }.map(\.method)
        }
        return matching.isEmpty ? nil : Set(matching)
    }
}

/// Registers generated handlers on the router, each under the request deadline, and remembers
/// each route.
///
/// The deadline wraps the generated handler (authentication, decoding, the service, its
/// statements) rather than the router's middleware, whose `next` may not outlive the call: here
/// the handler is an escaping closure that a late task may go on running after the answer.
/// The body is already in memory (RequestBodyGuard), so nothing else reads the request's stream.
struct RecordingTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>
    let table: RouteTable
    let requestTimeout: Duration
    /// The services' clock: read once per request, here.
    let clock: @Sendable () -> Date

    func register(
        _ handler:
            @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (
                HTTPResponse, HTTPBody?
            ),
        method: HTTPRequest.Method, path: String
    ) throws {
        table.add(path: path, method: method)
        let limit = requestTimeout
        let clock = self.clock
        router.register(
            { request, body, metadata in
                try await RequestScope.$now.withValue(clock()) {
                    try await withDeadline(limit) { try await handler(request, body, metadata) }
                }
            }, method: method, path: path)
    }
}
