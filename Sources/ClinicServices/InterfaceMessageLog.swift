import ClinicDomain
import Foundation

/// An interface message that was accepted, with the answer it got.
public struct LoggedInterfaceMessage: Hashable, Sendable {
    public let clinicID: ClinicID
    /// Who sent it, as its envelope names them (HL7: `MSH-3^MSH-4`).
    public let sender: String
    /// The sender's id for the message (HL7: MSH-10).
    public let controlID: String
    /// SHA-256 of the message as sent: a redelivery has the same.
    public let digest: [UInt8]
    /// The answer sent back (HL7: the ACK).
    public let acknowledgement: String
    public let receivedAt: Date

    public init(
        clinicID: ClinicID, sender: String, controlID: String, digest: [UInt8], acknowledgement: String,
        receivedAt: Date
    ) {
        self.clinicID = clinicID
        self.sender = sender
        self.controlID = controlID
        self.digest = digest
        self.acknowledgement = acknowledgement
        self.receivedAt = receivedAt
    }
}

/// Accepted interface messages by clinic, sender and control id, so that a redelivery answers as
/// the first delivery did, whatever came since.
public protocol InterfaceMessageLog: Sendable {
    /// The message accepted under this control id, when there is one within `scope`.
    func message(clinicID: ClinicID, sender: String, controlID: String, scope: ClinicScope) async throws
        -> LoggedInterfaceMessage?
    /// Keeps an accepted message; a concurrent twin that was kept first wins (nothing changes).
    func record(_ message: LoggedInterfaceMessage, scope: ClinicScope) async throws
}
