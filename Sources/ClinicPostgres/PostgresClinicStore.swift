import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Clinics and their resources.
public struct PostgresClinicStore: ClinicStore, ClinicSetupStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func clinic(id: ClinicID) async throws -> Clinic? {
        try await clinicAndTargets(id: id)?.clinic
    }

    public func clinics(in scope: ClinicScope) async throws -> [Clinic] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT id, name, time_zone, \(unescaped: ClinicContactRows.column) FROM clinics
                WHERE \(scope.clinicIDs?.map(\.rawValue))::uuid[] IS NULL OR id = ANY(\(scope.clinicIDs?.map(\.rawValue)))
                ORDER BY name, id
                """, logger: logger
            ).collect().map { row in
                let (id, name, zone, contact) = try row.decode((UUID, String, String, String).self)
                return Clinic(
                    id: ClinicID(id), name: try BoundedText(name, maxLength: 200), timeZone: try ClinicTimeZone(zone),
                    contact: try ClinicContactRows.decode(contact))
            }
        }
    }

    public func triageTargets(clinicID: ClinicID) async throws -> TriageTargets {
        try await clinicAndTargets(id: clinicID)?.targets ?? TriageTargets()
    }

    public func clinicAndTargets(id: ClinicID) async throws -> (clinic: Clinic, targets: TriageTargets)? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            let rows = try await connection.query(
                """
                SELECT id, name, time_zone, urgent_due_days, routine_due_days, candidacy_window_days,
                       \(unescaped: ClinicContactRows.column)
                FROM clinics WHERE id = \(id.rawValue)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (id, name, zone, urgent, routine, window, contact) = try row.decode(
                (UUID, String, String, Int, Int, Int, String).self)
            let clinic = Clinic(
                id: ClinicID(id), name: try BoundedText(name, maxLength: 200), timeZone: try ClinicTimeZone(zone),
                contact: try ClinicContactRows.decode(contact))
            return (clinic, TriageTargets(urgentDueDays: urgent, routineDueDays: routine, candidacyWindowDays: window))
        }
    }

    public func create(_ clinic: Clinic, hours: [OpeningHours], actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let inserted =
                try await connection.query(
                    """
                    INSERT INTO clinics (id, name, time_zone, phone, website, address_lines, address_city, address_state,
                                         address_postal_code, address_country)
                    VALUES (\(clinic.id.rawValue), \(clinic.name.value), \(clinic.timeZone.identifier),
                            \(clinic.contact.phone?.value), \(clinic.contact.website),
                            \(clinic.contact.addressLines.map(\.value))::text[], \(clinic.contact.city?.value),
                            \(clinic.contact.state?.value), \(clinic.contact.postalCode?.value), \(clinic.contact.country?.value))
                    ON CONFLICT (id) DO NOTHING RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            guard inserted else { return false }
            for day in hours {
                try await connection.query(
                    """
                    INSERT INTO clinic_hours (clinic_id, weekday, opens_at, closes_at)
                    VALUES (\(clinic.id.rawValue), \(day.weekday), \(day.opens.description)::time, \(day.closes.description)::time)
                    """, logger: logger)
            }
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "clinic.create", entityType: "clinic",
                    entityID: clinic.id.rawValue), on: connection, logger: logger)
            return true
        }
    }

    public func setTriageTargets(_ targets: TriageTargets, clinicID: ClinicID, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let updated =
                try await connection.query(
                    """
                    UPDATE clinics SET urgent_due_days = \(targets.urgentDueDays), routine_due_days = \(targets.routineDueDays),
                        candidacy_window_days = \(targets.candidacyWindowDays), version = version + 1
                    WHERE id = \(clinicID.rawValue) RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if updated {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "clinic.triage_targets", entityType: "clinic",
                        entityID: clinicID.rawValue), on: connection, logger: logger)
            }
            return updated
        }
    }

    public func addResource(_ resource: Resource, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let inserted =
                try await connection.query(
                    """
                    INSERT INTO resources (id, clinic_id, kind, name)
                    VALUES (\(resource.id.rawValue), \(resource.clinicID.rawValue), \(resource.kind.rawValue), \(resource.name.value))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if inserted {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "resource.create", entityType: "resource",
                        entityID: resource.id.rawValue), on: connection, logger: logger)
            }
            return inserted
        }
    }

    public func clinicSetup(id: ClinicID) async throws -> ClinicSetup? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            // The opening hours come as `weekday HH:MM HH:MM` lines in the same row: every
            // availability search and booking reads this, and one round trip is cheaper than two.
            let rows = try await connection.query(
                """
                SELECT name, time_zone, urgent_due_days, routine_due_days, candidacy_window_days, minutes_per_level,
                       turnover_minutes, recovery_minutes, evaluation_minutes, follow_up_minutes,
                       ARRAY(SELECT h.weekday || ' ' || to_char(h.opens_at, 'HH24:MI') || ' ' || to_char(h.closes_at, 'HH24:MI')
                             FROM clinic_hours h WHERE h.clinic_id = clinics.id ORDER BY h.weekday),
                       \(unescaped: ClinicContactRows.column)
                FROM clinics WHERE id = \(id.rawValue)
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (
                name, zone, urgent, routine, window, perLevel, turnover, recovery, evaluation, followUp, days, contact
            ) =
                try row.decode((String, String, Int, Int, Int, Int, Int, Int, Int, Int, [String], String).self)
            let hours = try days.map { line in
                let (weekday, opens, closes) = try WeekdayHoursLine.parse(line)
                return try OpeningHours(weekday: weekday, opens: opens, closes: closes)
            }
            return ClinicSetup(
                clinic: Clinic(
                    id: id, name: try BoundedText(name, maxLength: 200), timeZone: try ClinicTimeZone(zone),
                    contact: try ClinicContactRows.decode(contact)),
                hours: hours,
                targets: TriageTargets(urgentDueDays: urgent, routineDueDays: routine, candidacyWindowDays: window),
                minutesPerLevel: perLevel, turnoverMinutes: turnover, recoveryMinutes: recovery,
                evaluationMinutes: evaluation,
                followUpMinutes: followUp)
        }
    }

    public func resources(clinicID: ClinicID) async throws -> [ResourceSetup]? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            let exists = try await connection.query(
                "SELECT 1 FROM clinics WHERE id = \(clinicID.rawValue)", logger: logger
            ).collect()
            guard !exists.isEmpty else { return nil }
            let resources = try await connection.query(
                """
                SELECT id, kind, name FROM resources WHERE clinic_id = \(clinicID.rawValue) AND active ORDER BY kind, name
                """, logger: logger
            ).collect().map { row in
                let (id, kind, name) = try row.decode((UUID, String, String).self)
                return Resource(
                    id: ResourceID(id), clinicID: clinicID, kind: ResourceKind(rawValue: kind) ?? .consultRoom,
                    name: try BoundedText(name, maxLength: 200))
            }
            var setups: [ResourceSetup] = []
            for resource in resources {
                setups.append(
                    ResourceSetup(resource: resource, windows: try await Self.windows(resource.id, connection, logger)))
            }
            return setups
        }
    }

    public func setTemplate(resourceID: ResourceID, windows: [WeeklyWindow], actor: Actor) async throws
        -> ResourceSetup?
    {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let rows = try await connection.query(
                """
                SELECT clinic_id, kind, name FROM resources WHERE id = \(resourceID.rawValue) FOR UPDATE
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (clinicID, kind, name) = try row.decode((UUID, String, String).self)
            try await connection.query(
                "DELETE FROM availability_templates WHERE resource_id = \(resourceID.rawValue)", logger: logger)
            for window in windows {
                try await connection.query(
                    """
                    INSERT INTO availability_templates (id, resource_id, weekday, starts_at, ends_at)
                    VALUES (\(UUID()), \(resourceID.rawValue), \(window.weekday), \(window.starts.description)::time, \(window.ends.description)::time)
                    """, logger: logger)
            }
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "resource.template", entityType: "resource",
                    entityID: resourceID.rawValue), on: connection, logger: logger)
            let resource = Resource(
                id: resourceID, clinicID: ClinicID(clinicID), kind: ResourceKind(rawValue: kind) ?? .consultRoom,
                name: try BoundedText(name, maxLength: 200))
            return ResourceSetup(resource: resource, windows: try await Self.windows(resourceID, connection, logger))
        }
    }

    static func windows(_ id: ResourceID, _ connection: PostgresConnection, _ logger: Logger) async throws
        -> [WeeklyWindow]
    {
        try await connection.query(
            """
            SELECT weekday, to_char(starts_at, 'HH24:MI'), to_char(ends_at, 'HH24:MI') FROM availability_templates
            WHERE resource_id = \(id.rawValue) ORDER BY weekday, starts_at
            """, logger: logger
        ).collect().map { row in
            let (weekday, starts, ends) = try row.decode((Int, String, String).self)
            return try WeeklyWindow(weekday: weekday, starts: LocalTime(starts), ends: LocalTime(ends))
        }
    }

    public func setVisitSettings(_ settings: VisitSettings, clinicID: ClinicID, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let updated =
                try await connection.query(
                    """
                    UPDATE clinics SET
                        minutes_per_level = coalesce(\(settings.minutesPerLevel)::int, minutes_per_level),
                        turnover_minutes = coalesce(\(settings.turnoverMinutes)::int, turnover_minutes),
                        recovery_minutes = coalesce(\(settings.recoveryMinutes)::int, recovery_minutes),
                        evaluation_minutes = coalesce(\(settings.evaluationMinutes)::int, evaluation_minutes),
                        follow_up_minutes = coalesce(\(settings.followUpMinutes)::int, follow_up_minutes),
                        hold_minutes = coalesce(\(settings.holdMinutes)::int, hold_minutes),
                        offer_hours = coalesce(\(settings.offerHours)::int, offer_hours),
                        version = version + 1
                    WHERE id = \(clinicID.rawValue) RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if updated {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "clinic.visit_settings", entityType: "clinic",
                        entityID: clinicID.rawValue), on: connection, logger: logger)
            }
            return updated
        }
    }

    public func setContact(_ contact: ClinicContact, clinicID: ClinicID, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(outside: .clinicData) { connection in
            let updated =
                try await connection.query(
                    """
                    UPDATE clinics SET phone = \(contact.phone?.value), website = \(contact.website),
                        address_lines = \(contact.addressLines.map(\.value))::text[], address_city = \(contact.city?.value),
                        address_state = \(contact.state?.value), address_postal_code = \(contact.postalCode?.value),
                        address_country = \(contact.country?.value), version = version + 1
                    WHERE id = \(clinicID.rawValue) RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if updated {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "clinic.contact", entityType: "clinic", entityID: clinicID.rawValue),
                    on: connection, logger: logger)
            }
            return updated
        }
    }
}
