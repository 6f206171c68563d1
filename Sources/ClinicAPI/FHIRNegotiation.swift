import Foundation
import HTTPTypes
import Hummingbird

/// Content negotiation for `/fhir`: FHIR clients ask for `application/fhir+json`,
/// `application/json` or anything (`*/*`), and send bodies as either JSON type, often with
/// `fhirVersion` or `charset` parameters. The generated routes know one exact media type, so
/// this middleware says every JSON request in that type and refuses XML and the rest with 406
/// before a route sees them. It also fixes the base URL the request's links are written with.
struct FHIRNegotiationMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The configured public URL (scheme, host, port) of the service; nil: the request's Host.
    let publicURL: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.uri.path.hasPrefix(FHIRNegotiation.prefix) else { return try await next(request, context) }
        var head = request.head
        let published = request.uri.path.hasPrefix("/fhir/r4/$bulk-publish")
        if let format = request.uri.queryParameters["_format"].map(String.init), !FHIRNegotiation.isJSON(format) {
            throw FHIRNegotiation.notAcceptable
        }
        if published {
            // The manifest is JSON and the files NDJSON: each route has one type; any Accept gets it.
            head.headerFields[.accept] = nil
        } else if let accept = request.headers[.accept] {
            guard FHIRNegotiation.acceptsJSON(accept) else { throw FHIRNegotiation.notAcceptable }
            head.headerFields[.accept] = "application/fhir+json"
        }
        if let type = request.headers[.contentType], FHIRNegotiation.isJSON(type) {
            head.headerFields[.contentType] = "application/fhir+json"
        }
        let request = Request(head: head, body: request.body)
        let base = (publicURL ?? FHIRNegotiation.origin(of: request)) + "/fhir/r4"
        // The request relative to the base, for the Bundle's self link and its next page.
        let path = request.uri.path.dropFirst("/fhir/r4".count)
        let relative = String(path) + (request.uri.query.map { "?" + $0 } ?? "")
        // Decoded once here: the next page's link is written again from these, whatever the
        // client's encoding was.
        let search = FHIRSearch(
            path: String(path), parameters: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
        return try await RequestScope.$fhirBase.withValue(base) {
            try await RequestScope.$fhirSelf.withValue(relative) {
                try await RequestScope.$fhirSearch.withValue(search) { try await next(request, context) }
            }
        }
    }
}

/// A FHIR request's path after the base and its query parameters, decoded.
struct FHIRSearch: Sendable {
    let path: String
    let parameters: [(name: String, value: String)]
}

/// The rules FHIRNegotiationMiddleware applies.
enum FHIRNegotiation {
    static let prefix = "/fhir/"

    static let notAcceptable = APIProblem(
        status: .notAcceptable, type: "not-acceptable", title: "Not acceptable",
        detail: "This FHIR server speaks JSON only: accept application/fhir+json or application/json.")

    /// `application/fhir+json`, `application/json` (either with parameters), or `_format=json`.
    static func isJSON(_ value: String) -> Bool {
        let type = value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return ["application/fhir+json", "application/json", "json", "application/json+fhir"].contains(type)
    }

    /// Whether an Accept header lets us answer JSON.
    static func acceptsJSON(_ accept: String) -> Bool {
        accept.split(separator: ",").contains { range in
            let type = range.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return type.map { isJSON($0) || $0 == "*/*" || $0 == "application/*" } ?? false
        }
    }

    /// `scheme://host[:port]` as the client reached us: the proxy's `X-Forwarded-Proto` when it is
    /// http or https, and the Host header when it is a plain host name or address.
    static func origin(of request: Request) -> String {
        let forwarded = request.headers[.init("X-Forwarded-Proto")!]?.lowercased()
        let scheme = forwarded == "https" ? "https" : "http"
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
        if let host = request.head.authority, (1...255).contains(host.count),
            host.allSatisfy({ allowed.contains($0) })
        {
            return "\(scheme)://\(host)"
        }
        return "\(scheme)://localhost"
    }
}
