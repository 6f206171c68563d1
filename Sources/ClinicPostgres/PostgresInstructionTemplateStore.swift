import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The clinics' own wording of patient letters.
public struct PostgresInstructionTemplateStore: InstructionTemplateStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func templates(clinicID: ClinicID) async throws -> [StoredInstructionTemplate] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT document, format, body, updated_at, updated_by FROM instruction_templates
                WHERE clinic_id = \(clinicID.rawValue) ORDER BY document, format
                """, logger: logger
            ).collect().compactMap(Self.template)
        }
    }

    public func template(clinicID: ClinicID, document: InstructionDocument, format: InstructionFormat) async throws
        -> StoredInstructionTemplate?
    {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT document, format, body, updated_at, updated_by FROM instruction_templates
                WHERE clinic_id = \(clinicID.rawValue) AND document = \(document.rawValue) AND format = \(format.rawValue)
                """, logger: logger
            ).collect().first.flatMap(Self.template)
        }
    }

    public func save(_ template: StoredInstructionTemplate, clinicID: ClinicID, actor: Actor) async throws {
        let logger = database.logger
        try await database.transaction(outside: .clinicData) { connection in
            try await connection.query(
                """
                INSERT INTO instruction_templates (clinic_id, document, format, body, updated_at, updated_by)
                VALUES (\(clinicID.rawValue), \(template.document.rawValue), \(template.format.rawValue), \(template.body),
                        \(template.updatedAt), \(template.updatedBy))
                ON CONFLICT (clinic_id, document, format)
                DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, logger: logger)
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "clinic.instruction_template.set", entityType: "clinic",
                    entityID: clinicID.rawValue), on: connection, logger: logger)
        }
    }

    public func delete(clinicID: ClinicID, document: InstructionDocument, format: InstructionFormat, actor: Actor)
        async throws -> Bool
    {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let deleted =
                try await connection.query(
                    """
                    DELETE FROM instruction_templates
                    WHERE clinic_id = \(clinicID.rawValue) AND document = \(document.rawValue) AND format = \(format.rawValue)
                    RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "clinic.instruction_template.reset", entityType: "clinic",
                    entityID: clinicID.rawValue), on: connection, logger: logger)
            return deleted
        }
    }

    private static func template(_ row: PostgresRow) throws -> StoredInstructionTemplate? {
        let (document, format, body, at, by) = try row.decode((String, String, String, Date, String).self)
        guard let document = InstructionDocument(rawValue: document), let format = InstructionFormat(rawValue: format)
        else { return nil }
        return StoredInstructionTemplate(document: document, format: format, body: body, updatedAt: at, updatedBy: by)
    }
}
