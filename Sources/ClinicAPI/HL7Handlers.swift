import ClinicInterop
import ClinicServices
import Foundation
import OpenAPIRuntime

/// `/v1/hl7/oru`: an HL7 v2 result over HTTP, answered with its ACK. The status says what the
/// ACK says, so a plain HTTP client sees a refusal as a 4xx too.
extension APIHandler {
    func receiveHL7Result(_ input: Operations.ReceiveHL7Result.Input) async throws
        -> Operations.ReceiveHL7Result.Output
    {
        let body: HTTPBody
        switch input.body {
        case .applicationHl7V2(let sent), .xApplicationHl7V2Er7(let sent), .plainText(let sent): body = sent
        }
        // The body guard has already bounded it; this only collects what is in memory.
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        let reply = try await HL7ResultIntake(imaging: services.imaging, messages: services.interfaceMessages).receive(
            bytes, actor: RequestScope.actor())
        let ack = HTTPBody(reply.acknowledgement)
        if reply.unavailable {
            return .serviceUnavailable(.init(headers: .init(retryAfter: "1"), body: .applicationHl7V2(ack)))
        }
        switch reply.code {
        case .accept: return .ok(.init(body: .applicationHl7V2(ack)))
        case .reject: return .badRequest(.init(body: .applicationHl7V2(ack)))
        case .error: return .unprocessableContent(.init(body: .applicationHl7V2(ack)))
        }
    }
}
