import AsyncHTTPClient
import ClinicDomain
import ClinicServices
import Foundation
import NIOCore

/// Webhook requests over HTTP(S) with AsyncHTTPClient. Redirects are not followed: a receiver
/// that moved must be re-subscribed, so that signed patient events never go to a URL the admin
/// did not name.
public struct HTTPWebhookTransport: WebhookTransport {
    private let client: HTTPClient
    /// The most of a receiver's answer read (and dropped): its status is what counts.
    private static let answerLimit = 64 * 1024

    public init() {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func post(url: WebhookURL, body: [UInt8], headers: [(String, String)], timeout: Duration) async throws
        -> Int
    {
        var request = HTTPClientRequest(url: url.value)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let client = self.client
        let prepared = request
        // One deadline over the whole exchange: the client's own covers only the wait for the
        // answer's head, and a receiver that then never sends its body would hold this server's
        // deliveries for ever.
        return try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                let response = try await client.execute(prepared, timeout: TimeAmount(timeout))
                _ = try? await response.body.collect(upTo: Self.answerLimit)
                return Int(response.status.code)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let status = first else { throw WebhookTimedOut() }
            return status
        }
    }

    /// Closes the client's connections; call once, when deliveries have stopped.
    public func shutdown() async {
        try? await client.shutdown()
    }
}

/// No complete answer within the delivery's timeout.
struct WebhookTimedOut: Error, CustomStringConvertible {
    var description: String { "no complete answer within the timeout" }
}
