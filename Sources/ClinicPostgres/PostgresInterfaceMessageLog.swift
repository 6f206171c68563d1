import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// `interface_messages`: accepted HL7 messages by clinic, sender and control id.
public struct PostgresInterfaceMessageLog: InterfaceMessageLog {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) {
        self.database = database
    }

    public func message(clinicID: ClinicID, sender: String, controlID: String, scope: ClinicScope) async throws
        -> LoggedInterfaceMessage?
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let rows = try await connection.query(
                """
                SELECT digest, acknowledgement, received_at FROM interface_messages
                WHERE clinic_id = \(clinicID.rawValue) AND sender = \(sender) AND control_id = \(controlID)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (digest, acknowledgement, receivedAt) = try row.decode((ByteBuffer, String, Date).self)
            return LoggedInterfaceMessage(
                clinicID: clinicID, sender: sender, controlID: controlID, digest: Array(buffer: digest),
                acknowledgement: acknowledgement, receivedAt: receivedAt)
        }
    }

    public func record(_ message: LoggedInterfaceMessage, scope: ClinicScope) async throws {
        let logger = database.logger
        try await database.withConnection(scope: scope) { connection in
            _ = try await connection.query(
                """
                INSERT INTO interface_messages (clinic_id, sender, control_id, digest, acknowledgement, received_at)
                VALUES (\(message.clinicID.rawValue), \(message.sender), \(message.controlID),
                        \(ByteBuffer(bytes: message.digest)), \(message.acknowledgement), \(message.receivedAt))
                ON CONFLICT (clinic_id, sender, control_id) DO NOTHING
                """, logger: logger
            ).collect()
        }
    }
}
