import ClinicDomain
import ClinicServices
import Foundation
import Logging

/// What the MLLP listener does with each message: the HL7 intake, acting as the intake token the
/// listener was configured with (checked at every message, so revoking it stops the feed),
/// under the same deadline as an HTTP request.
///
/// MLLP has no headers to carry a token: the interface engine is identified by the listener's
/// address and port, which the deployment keeps on the hospital's network.
public struct MLLPResultHandler: Sendable {
    let intake: HL7ResultIntake
    let tokens: TokenService
    let secret: String
    let deadline: Duration
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        intake: HL7ResultIntake, tokens: TokenService, secret: String, deadline: Duration,
        clock: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.intake = intake
        self.tokens = tokens
        self.secret = secret
        self.deadline = deadline
        self.clock = clock
        self.logger = logger
    }

    /// The operation the permission matrix names for taking an HL7 result, over HTTP or MLLP.
    static let operationID = "receiveHL7Result"

    public func handle(_ payload: [UInt8]) async -> [UInt8] {
        let now = clock()
        let requestID = "mllp-" + UUID().uuidString.lowercased()
        let reply: HL7Reply
        do {
            reply = try await withDeadline(deadline) { [intake, tokens, secret] in
                guard let principal = try await tokens.authenticate(secret: secret, now: now),
                    PermissionMatrix.allows(principal.role, Self.operationID)
                else {
                    return intake.refusal(
                        payload, at: now,
                        "The MLLP listener's intake token is unknown, revoked, expired or not an intake token; "
                            + "nothing was stored. Resend once the clinic has renewed it.")
                }
                return try await intake.receive(
                    payload, actor: Actor(principal: principal, requestID: requestID, at: now))
            }
        } catch {
            // Only what the intake could not answer itself arrives here: a deadline passed, or a failure
            // it did not expect. The sender keeps the message and resends it.
            logger.error(
                "MLLP message not taken",
                metadata: ["request_id": .string(requestID), "error": .string("\(type(of: error))")])
            reply = intake.refusal(
                payload, at: now, "The clinic could not take the message now; nothing was stored. Resend it shortly.")
        }
        logger.info(
            "hl7 message",
            metadata: ["request_id": .string(requestID), "acknowledgement": .string(reply.code.rawValue)])
        return Array(reply.acknowledgement.utf8)
    }
}
