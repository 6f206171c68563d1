import Hummingbird

/// Bounds request bodies and insists on JSON.
///
/// The OpenAPI transport hands the body on as an unbounded stream and the runtime collects it
/// with no limit, so Hummingbird's own upload limit never applies: this is the limit.
struct RequestBodyGuard<Context: RequestContext>: RouterMiddleware {
    let maximumBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if let declared = request.headers[.contentLength], let length = Int(declared), length > maximumBytes {
            throw tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
        if buffer.readableBytes > 0 || request.headers[.contentType] != nil, [.post, .put, .patch].contains(request.method) {
            let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
                throw APIProblem(status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type",
                                 detail: "Send the body as application/json.")
            }
        }
        request.body = .init(buffer: buffer)
        return try await next(request, context)
    }

    private var tooLarge: APIProblem {
        APIProblem(status: .contentTooLarge, type: "payload-too-large", title: "Request body too large",
                   detail: "Request bodies may be at most \(maximumBytes) bytes.")
    }
}
