import ClinicDomain
import ClinicServices
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Authenticates the bearer token and enforces the permission matrix for every OpenAPI operation.
///
/// It runs as an OpenAPI middleware because only there is the `operationId` known; the matrix is
/// keyed by it, and an operation missing from the matrix is refused to every role.
struct AuthMiddleware: ServerMiddleware {
    let tokens: TokenService
    let audit: any AuditStore
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    )
        async throws -> (HTTPResponse, HTTPBody?)
    {
        guard let access = PermissionMatrix.access(for: operationID) else {
            throw APIProblem.forbidden("Operation \(operationID) is not in the permission matrix.")
        }
        if access == .anonymous {
            return try await next(request, body, metadata)
        }
        guard let header = request.headerFields[.authorization] else {
            throw APIProblem.unauthorized("Send Authorization: Bearer <token>.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIProblem.unauthorized("The Authorization header must be: Bearer <token>.")
        }
        guard
            let principal = try await tokens.authenticate(
                secret: String(parts[1]).trimmingCharacters(in: .whitespaces),
                now: RequestScope.instant)
        else {
            throw APIProblem.unauthorized("The token is unknown, revoked or expired.")
        }
        guard PermissionMatrix.allows(principal.role, operationID) else {
            let actor = Actor(principal: principal, requestID: RequestScope.requestID, at: RequestScope.instant)
            try? await audit.record(
                AuditEntry(actor: actor, action: operationID, entityType: "operation", entityID: nil, outcome: .denied))
            throw APIProblem.forbidden("Role \(principal.role.rawValue) may not call \(operationID).")
        }
        return try await RequestScope.$principal.withValue(principal) {
            try await next(request, body, metadata)
        }
    }
}
