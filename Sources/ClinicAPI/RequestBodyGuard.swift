import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// Bounds request bodies and insists on JSON (HL7 v2 text on the HL7 route).
///
/// The OpenAPI transport hands the body on as an unbounded stream and the runtime collects it
/// with no limit, so Hummingbird's own upload limit never applies: this is the limit.
struct RequestBodyGuard<Context: RequestContext>: RouterMiddleware {
    let maximumBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        if let declared = request.headers[.contentLength], let length = Int(declared), length > maximumBytes {
            throw tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is NIOTooManyBytesError {
            // A chunked body declares no length: the limit is met while streaming, and NIO says so.
            throw tooLarge
        }
        if buffer.readableBytes > 0 || request.headers[.contentType] != nil,
            [.post, .put, .patch].contains(request.method)
        {
            let type =
                request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
                .lowercased() ?? ""
            if request.uri.path == Self.hl7Path {
                guard Self.hl7Types.contains(type) else {
                    throw APIProblem(
                        status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type",
                        detail:
                            "Send the HL7 v2 message as application/hl7-v2 (or x-application/hl7-v2+er7, text/plain).")
                }
                request.body = .init(buffer: buffer)
                return try await next(request, context)
            }
            guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
                throw APIProblem(
                    status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type",
                    detail: "Send the body as application/json.")
            }
        }
        if buffer.readableBytes > 0, let pointer = Self.firstNull(in: buffer) {
            throw APIProblem.validation(pointer, "must not be null; leave the field out instead")
        }
        request.body = .init(buffer: buffer)
        return try await next(request, context)
    }

    /// The one route whose body is not JSON, and the media types HL7 v2 over HTTP is sent as.
    static var hl7Path: String { "/v1/hl7/oru" }
    static var hl7Types: Set<String> { ["application/hl7-v2", "x-application/hl7-v2+er7", "text/plain"] }

    /// The JSON pointer of the first `null` in the body, if any. No request schema allows null,
    /// but the generated decoders read a null optional field as absent; refusing it here keeps
    /// the server to the document. Bodies that are not JSON are left for the decoder to refuse.
    static func firstNull(in buffer: ByteBuffer) -> String? {
        // Parsing every body to a tree costs more than the handler's own decoding: only a body
        // with the four bytes `null` somewhere can hold one.
        guard buffer.readableBytesView.firstRange(of: Array("null".utf8)) != nil else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer), options: [.fragmentsAllowed])
        else { return nil }
        func find(_ value: Any, _ path: String) -> String? {
            switch value {
            case is NSNull:
                return path
            case let dictionary as [String: Any]:
                for key in dictionary.keys.sorted() {
                    let escaped = key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(
                        of: "/", with: "~1")
                    if let found = find(dictionary[key]!, path + "/" + escaped) { return found }
                }
                return nil
            case let array as [Any]:
                for (index, item) in array.enumerated() {
                    if let found = find(item, path + "/\(index)") { return found }
                }
                return nil
            default:
                return nil
            }
        }
        return find(object, "")
    }

    private var tooLarge: APIProblem {
        APIProblem(
            status: .contentTooLarge, type: "payload-too-large", title: "Request body too large",
            detail: "Request bodies may be at most \(maximumBytes) bytes.")
    }
}
