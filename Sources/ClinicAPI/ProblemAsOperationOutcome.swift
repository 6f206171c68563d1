import ClinicInterop
import Foundation
import HTTPTypes
import Hummingbird

extension APIProblem {
    /// The problem as FHIR says errors: an OperationOutcome (`application/fhir+json`) with the
    /// same status and headers, the detail as diagnostics and each field as an expression.
    func fhirResponse(requestID: String?) -> Response {
        var fields = headers
        fields[.contentType] = "application/fhir+json"
        var detail = detail ?? title
        if let requestID { detail += " (request \(requestID))" }
        let outcome = FHIROperationOutcome.forHTTPStatus(
            status.code, detail: detail, expressions: errors.map { Self.fhirExpression($0.pointer) })
        let body =
            (try? FHIRJSON.encode(outcome))
            ?? Array(#"{"issue":[{"code":"exception","severity":"error"}],"resourceType":"OperationOutcome"}"#.utf8)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A JSON pointer (`/_count`) as the parameter or element it names; FHIRPath expressions
    /// (`ServiceRequest.subject`) pass through.
    static func fhirExpression(_ pointer: String) -> String {
        guard pointer.hasPrefix("/") else { return pointer }
        return pointer.dropFirst().replacingOccurrences(of: "/", with: ".")
    }
}
