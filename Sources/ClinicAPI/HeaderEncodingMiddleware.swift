import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Undoes the OpenAPI runtime's percent-encoding of response header values.
///
/// The runtime writes string headers through its URI coder, so `"1"` would leave as `%221%22`
/// and `/v1/referrals/...` as `%2Fv1%2F...`: neither is what HTTP means by ETag or Location.
struct HeaderEncodingMiddleware: ServerMiddleware {
    static let plainHeaders: [HTTPField.Name] = [.location, .eTag, .cacheControl, .retryAfter]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    )
        async throws -> (HTTPResponse, HTTPBody?)
    {
        var (response, responseBody) = try await next(request, body, metadata)
        for name in Self.plainHeaders {
            if let value = response.headerFields[name], let decoded = value.removingPercentEncoding {
                response.headerFields[name] = decoded
            }
        }
        return (response, responseBody)
    }
}
