import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Clinics and their resources.
public struct PostgresClinicStore: ClinicStore, ClinicSetupStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func clinic(id: ClinicID) async throws -> Clinic? {
        let logger = database.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("SELECT id, name, time_zone FROM clinics WHERE id = \(id.rawValue)",
                                                  logger: logger).collect()
            guard let row = rows.first else { return nil }
            let (id, name, zone) = try row.decode((UUID, String, String).self)
            return Clinic(id: ClinicID(id), name: try BoundedText(name, maxLength: 200), timeZone: try ClinicTimeZone(zone))
        }
    }

    public func triageTargets(clinicID: ClinicID) async throws -> TriageTargets {
        let logger = database.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT urgent_due_days, routine_due_days, candidacy_window_days FROM clinics WHERE id = \(clinicID.rawValue)
                """, logger: logger).collect()
            guard let row = rows.first else { return TriageTargets() }
            let (urgent, routine, window) = try row.decode((Int, Int, Int).self)
            return TriageTargets(urgentDueDays: urgent, routineDueDays: routine, candidacyWindowDays: window)
        }
    }

    public func create(_ clinic: Clinic, hours: [OpeningHours], actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction { connection in
            let inserted = try await connection.query("""
                INSERT INTO clinics (id, name, time_zone) VALUES (\(clinic.id.rawValue), \(clinic.name.value), \(clinic.timeZone.identifier))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: logger).collect().count == 1
            guard inserted else { return false }
            for day in hours {
                try await connection.query("""
                    INSERT INTO clinic_hours (clinic_id, weekday, opens_at, closes_at)
                    VALUES (\(clinic.id.rawValue), \(day.weekday), \(day.opens.description)::time, \(day.closes.description)::time)
                    """, logger: logger)
            }
            try await AuditRows.insert(AuditEntry(actor: actor, action: "clinic.create", entityType: "clinic",
                                                  entityID: clinic.id.rawValue), on: connection, logger: logger)
            return true
        }
    }

    public func setTriageTargets(_ targets: TriageTargets, clinicID: ClinicID, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction { connection in
            let updated = try await connection.query("""
                UPDATE clinics SET urgent_due_days = \(targets.urgentDueDays), routine_due_days = \(targets.routineDueDays),
                    candidacy_window_days = \(targets.candidacyWindowDays), version = version + 1
                WHERE id = \(clinicID.rawValue) RETURNING 1
                """, logger: logger).collect().count == 1
            if updated {
                try await AuditRows.insert(AuditEntry(actor: actor, action: "clinic.triage_targets", entityType: "clinic",
                                                      entityID: clinicID.rawValue), on: connection, logger: logger)
            }
            return updated
        }
    }

    public func addResource(_ resource: Resource, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction { connection in
            let inserted = try await connection.query("""
                INSERT INTO resources (id, clinic_id, kind, name)
                VALUES (\(resource.id.rawValue), \(resource.clinicID.rawValue), \(resource.kind.rawValue), \(resource.name.value))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger).collect().count == 1
            if inserted {
                try await AuditRows.insert(AuditEntry(actor: actor, action: "resource.create", entityType: "resource",
                                                      entityID: resource.id.rawValue), on: connection, logger: logger)
            }
            return inserted
        }
    }
}
