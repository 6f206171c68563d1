import ClinicDomain
import ClinicServices
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// An RFC 9457 problem: the one shape every error response has.
struct APIProblem: Error, Sendable, Equatable {
    struct FieldError: Sendable, Equatable, Encodable {
        let pointer: String
        let detail: String
    }

    let status: HTTPResponse.Status
    /// Stable identifier of the kind of problem, e.g. `/problems/validation`.
    let type: String
    let title: String
    let detail: String?
    let errors: [FieldError]
    /// The bookings in the way of a refused change, each named.
    var bookings: [BookingBody] = []
    var headers: HTTPFields = [:]

    /// A booking as a problem names it (the BookingRef schema).
    struct BookingBody: Sendable, Equatable, Encodable {
        let appointmentId: String
        let referralId: String
        let kind: String
        let state: String
        let start: String
        let end: String

        init(_ booking: BookingReference) {
            appointmentId = booking.appointmentID.description
            referralId = booking.referralID.description
            kind = booking.kind.rawValue
            state = booking.state.rawValue
            start = RFC3339.format(booking.during.lowerBound)
            end = RFC3339.format(booking.during.upperBound)
        }
    }

    init(
        status: HTTPResponse.Status, type: String, title: String, detail: String? = nil, errors: [FieldError] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = "/problems/" + type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    static func validation(_ violations: [FieldViolation]) -> APIProblem {
        APIProblem(
            status: .badRequest, type: "validation", title: "The request is not valid",
            detail: violations.map { "\($0.pointer.isEmpty ? "request" : $0.pointer): \($0.message)" }.joined(
                separator: "; "),
            errors: violations.map { FieldError(pointer: $0.pointer, detail: $0.message) })
    }

    static func validation(_ pointer: String, _ message: String) -> APIProblem {
        validation([FieldViolation(pointer: pointer, message: message)])
    }

    static func unauthorized(_ detail: String) -> APIProblem {
        APIProblem(
            status: .unauthorized, type: "unauthorized", title: "Authentication required", detail: detail,
            headers: [.wwwAuthenticate: "Bearer"])
    }

    static func forbidden(_ detail: String) -> APIProblem {
        APIProblem(status: .forbidden, type: "forbidden", title: "Not allowed for this role", detail: detail)
    }

    static func notFound(_ detail: String) -> APIProblem {
        APIProblem(status: .notFound, type: "not-found", title: "Not found", detail: detail)
    }

    static let internalError = APIProblem(
        status: .internalServerError, type: "internal", title: "Internal error",
        detail: "The server failed to answer; the request id identifies it in the server log.")

    /// Renders the problem as a Hummingbird response.
    func response(requestID: String?) -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(
            status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body(requestID: requestID))))
    }

    func body(requestID: String?) -> [UInt8] {
        struct Body: Encodable {
            let type: String
            let title: String
            let status: Int
            let detail: String?
            let requestId: String?
            let errors: [FieldError]?
            let bookings: [BookingBody]?
        }
        let body = Body(
            type: type, title: title, status: status.code, detail: detail, requestId: requestID,
            errors: errors.isEmpty ? nil : errors, bookings: bookings.isEmpty ? nil : bookings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(
            (try? encoder.encode(body))
                ?? Data("{\"type\":\"/problems/internal\",\"title\":\"Internal error\",\"status\":500}".utf8))
    }
}

extension APIProblem {
    /// The problem any error thrown below the outer middleware becomes. Unknown errors are 500s
    /// with no detail: their text may hold SQL or patient data and stays in the log.
    static func from(_ error: any Error) -> APIProblem {
        switch error {
        case let problem as APIProblem:
            return problem
        case let error as ServiceError:
            return from(error)
        case let error as ValidationError:
            return validation(error.violations)
        case let error as DecodingError:
            return from(error)
        case let error as ServerError:
            let inner = from(error.underlyingError)
            if inner.status != .internalServerError { return inner }
            // A required If-Match missing is a precondition, not a malformed request (RFC 6585).
            if error.httpStatus == .badRequest, error.causeDescription.contains("'If-Match'") {
                return APIProblem(
                    status: .preconditionRequired, type: "precondition-required", title: "If-Match required",
                    detail: "Send If-Match with the entity's ETag (read it with GET first).")
            }
            // The runtime's own request-parsing errors (missing body, bad content type, bad parameter).
            if (400..<500).contains(error.httpStatus.code) {
                let type = error.httpStatus == .unsupportedMediaType ? "unsupported-media-type" : "bad-request"
                return APIProblem(
                    status: error.httpStatus, type: type, title: error.httpStatus.reasonPhrase,
                    detail: error.causeDescription)
            }
            return .internalError
        case is DeadlineExceeded, is CancellationError:
            return from(ServiceError.unavailable("the request did not finish in time"))
        case let error as HTTPError:
            return APIProblem(
                status: error.status, type: slug(error.status), title: error.status.reasonPhrase,
                detail: error.body, headers: error.headers)
        default:
            return .internalError
        }
    }

    private static func from(_ error: ServiceError) -> APIProblem {
        switch error {
        case .invalid(let validation):
            return .validation(validation.violations)
        case .notFound(let entity):
            return .notFound("No \(entity) has this id.")
        case .unknownReference(let pointer, let entity):
            return APIProblem(
                status: .unprocessableContent, type: "unknown-reference",
                title: "Refers to something that does not exist",
                detail: "\(pointer): no \(entity) has this id",
                errors: [FieldError(pointer: pointer, detail: "no \(entity) has this id")])
        case .illegalTransition(let current, let attempted):
            return APIProblem(
                status: .conflict, type: "illegal-transition", title: "Not allowed in the current state",
                detail: "Cannot \(attempted) a referral in status \(current.code).")
        case .conflict(let detail):
            return APIProblem(status: .conflict, type: "conflict", title: "Conflicts with stored data", detail: detail)
        case .notReady(let items):
            return APIProblem(
                status: .conflict, type: "not-ready", title: "Not ready to confirm",
                detail: items.map(\.message).joined(separator: " "),
                errors: items.map { FieldError(pointer: $0.pointer, detail: $0.message) })
        case .versionMismatch(let current):
            return APIProblem(
                status: .preconditionFailed, type: "stale-version", title: "The entity has changed",
                detail: "If-Match does not match the current version \"\(current)\"; read it again and retry.")
        case .offerClosed(let state):
            return APIProblem(
                status: .conflict, type: "offer-closed", title: "The offer is no longer open",
                detail: "The offer was already \(state): it can be neither accepted nor declined now.")
        case .forbidden(let detail):
            return APIProblem(
                status: .forbidden, type: "outside-scope", title: "Not allowed for this token's clinics",
                detail: detail)
        case .idempotencyKeyReused:
            return APIProblem(
                status: .unprocessableContent, type: "idempotency-key-reused",
                title: "Idempotency-Key already used for another request",
                detail: "This Idempotency-Key was used before with a different request body; use a new key.")
        case .bookingsInTheWay(let detail, let bookings):
            var problem = APIProblem(
                status: .conflict, type: "bookings-in-the-way", title: "Live bookings are in the way", detail: detail)
            problem.bookings = bookings.map(BookingBody.init)
            return problem
        case .unprocessable(let validation):
            return APIProblem(
                status: .unprocessableContent, type: "unprocessable", title: "The content cannot be used",
                detail: validation.violations.map { "\($0.pointer.isEmpty ? "request" : $0.pointer): \($0.message)" }
                    .joined(separator: "; "),
                errors: validation.violations.map { FieldError(pointer: $0.pointer, detail: $0.message) })
        case .unavailable:
            return APIProblem(
                status: .serviceUnavailable, type: "unavailable", title: "Temporarily unavailable",
                detail: "The database could not be reached in time; retry shortly. For a POST, send the same "
                    + "Idempotency-Key again: if the first attempt took effect, the retry answers with its result.",
                headers: [.retryAfter: "1"])
        }
    }

    private static func from(_ error: DecodingError) -> APIProblem {
        func pointer(_ path: [any CodingKey]) -> String {
            path.map { "/" + ($0.intValue.map(String.init) ?? $0.stringValue) }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            return validation(pointer(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return validation(pointer(context.codingPath), "has the wrong type (expected \(describe(type)))")
        case .valueNotFound(let type, let context):
            return validation(pointer(context.codingPath), "must not be null (expected \(describe(type)))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return validation("", "is not valid JSON of the expected shape: \(context.debugDescription)")
            }
            return validation(pointer(context.codingPath), "is not an accepted value")
        @unknown default:
            return validation("", "could not be read")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type, is Int32.Type: "integer"
        case is Double.Type: "number"
        case is Bool.Type: "boolean"
        default: "\(type)".contains("Array") ? "array" : "object"
        }
    }

    private static func slug(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 413: "payload-too-large"
        case 415: "unsupported-media-type"
        case 400: "bad-request"
        default: "http-\(status.code)"
        }
    }
}
