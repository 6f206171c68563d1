import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Appointments and their resource claims under the GiST exclusion constraint.
public struct PostgresSchedulingStore: SchedulingStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func calendars(clinicID: ClinicID, from: Date, to: Date, now: Date, scope: ClinicScope) async throws
        -> [ResourceUsageRow]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await ResourceWeekRows.load(
                clinicID: clinicID, from: from, to: to, now: now, on: connection, logger: logger)
        }
    }

    public func earlierBooking(_ claim: IdempotencyClaim) async throws -> AppointmentID? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await IdempotencyRows.earlier(claim, on: connection, logger: logger).map(AppointmentID.init)
        }
    }

    public func book(
        _ booking: NewBooking, actor: Actor, idempotency: IdempotencyClaim?,
        decide: @escaping @Sendable (ReferralSnapshot) throws -> ReferralChange?
    ) async throws -> CreateOutcome<AppointmentID> {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            if let claim = idempotency,
                let earlier = try await IdempotencyRows.claim(claim, on: connection, logger: logger)
            {
                return .replayed(AppointmentID(earlier))
            }
            // An offer this booking answers is locked before anything else: of concurrent answers
            // to it, the first to lock decides, and the others find it ended.
            if let acceptance = booking.acceptingOffer {
                try await OfferRows.lockOpen(acceptance, on: connection, logger: logger)
            }
            guard let snapshot = try await TriageRows.snapshot(booking.referralID, on: connection, logger: logger)
            else {
                throw ServiceError.notFound(entity: "referral")
            }
            let change = try decide(snapshot)
            try await Self.insert(booking, at: actor.at, connection, logger)
            if let change {
                try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
            }
            if let acceptance = booking.acceptingOffer {
                try await OfferRows.markAccepted(
                    acceptance, appointment: booking.id, actor: actor, on: connection, logger: logger)
            }
            let action =
                booking.overbookReason != nil
                ? "appointment.overbook" : (booking.holdMinutes != nil ? "appointment.hold" : "appointment.book")
            try await AuditRows.insert(
                AuditEntry(actor: actor, action: action, entityType: "appointment", entityID: booking.id.rawValue),
                on: connection, logger: logger)
            if let claim = idempotency {
                try await IdempotencyRows.record(claim, entity: booking.id.rawValue, on: connection, logger: logger)
            }
            return .created(booking.id)
        }
    }

    /// Writes an appointment and its resource claims. The claims go under the exclusion
    /// constraint (an overlap is 23P01, answered 409 by `ClinicDatabase`) unless overbooked.
    /// Expired holds must never block anyone: any overlapping the new time, lapsed at `at`, are
    /// released first.
    private static func insert(_ booking: NewBooking, at: Date, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        // The lapsed holds' rows are locked first: a confirmation of one of them either finished
        // before (it is no longer held, and is skipped) or waits and then finds its claims gone.
        let resources = booking.resourceIDs.map(\.rawValue)
        try await connection.query(
            """
            WITH lapsed AS (
                SELECT a.id FROM appointments a
                WHERE a.state = 'held' AND a.hold_expires_at <= \(at)
                  AND EXISTS (SELECT 1 FROM appointment_resources c WHERE c.appointment_id = a.id AND c.active
                              AND c.resource_id = ANY(\(resources)) AND c.during && tstzrange(\(booking.start), \(booking.end)))
                FOR UPDATE OF a)
            UPDATE appointment_resources SET active = false
            WHERE appointment_id IN (SELECT id FROM lapsed) AND active
              AND resource_id = ANY(\(resources)) AND during && tstzrange(\(booking.start), \(booking.end))
            """, logger: logger)
        let overbooked = booking.overbookReason != nil
        // The resources locked against a deactivation or a block laid meanwhile (both lock the
        // resource's row for update), and checked: availability was computed before this
        // transaction, and a resource taken out of service or blocked since must not be claimed.
        let standing = try await connection.query(
            """
            SELECT r.id, r.name, r.active,
                   EXISTS (SELECT 1 FROM resource_blocks b
                           WHERE b.resource_id = r.id AND b.during && tstzrange(\(booking.start), \(booking.end), '[)'))
            FROM resources r WHERE r.id = ANY(\(resources)) ORDER BY r.id FOR SHARE OF r
            """, logger: logger
        ).collect().map { try $0.decode((UUID, String, Bool, Bool).self) }
        if let inactive = standing.first(where: { !$0.2 }) {
            throw ServiceError.conflict("resource \(inactive.1) is no longer in service")
        }
        if !overbooked, let blocked = standing.first(where: { $0.3 }) {
            throw ServiceError.conflict("resource \(blocked.1) is blocked at that time")
        }
        let state = booking.holdMinutes == nil ? "booked" : "held"
        let holdExpires = booking.holdMinutes.map { at.addingTimeInterval(Double($0) * 60) }
        try await connection.query(
            """
            INSERT INTO appointments (id, referral_id, clinic_id, kind, state, during, overbooked, overbook_reason, hold_expires_at,
                                      created_at, updated_at, rescheduled_from)
            VALUES (\(booking.id.rawValue), \(booking.referralID.rawValue), \(booking.clinicID.rawValue), \(booking.kind.rawValue),
                    \(state), tstzrange(\(booking.start), \(booking.end), '[)'), \(overbooked), \(booking.overbookReason),
                    \(holdExpires), \(at), \(at), \(booking.rescheduledFrom?.rawValue))
            """, logger: logger)
        // Every claim in one statement, in the order given: a conflict still names the first
        // resource that is taken (the constraint's detail carries its key).
        try await connection.query(
            """
            INSERT INTO appointment_resources (appointment_id, resource_id, during, overbooked)
            SELECT \(booking.id.rawValue), resource, tstzrange(\(booking.start), \(booking.end), '[)'), \(overbooked)
            FROM unnest(\(resources)::uuid[]) WITH ORDINALITY AS claimed(resource, position) ORDER BY position
            """, logger: logger)
    }

    public func appointment(id: AppointmentID, scope: ClinicScope) async throws -> Appointment? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await Self.load(id, connection, logger)
        }
    }

    static func load(_ id: AppointmentID, _ connection: PostgresConnection, _ logger: Logger) async throws
        -> Appointment?
    {
        try await load([id], connection, logger)[id]
    }

    /// Appointments with their resources, in two statements however many are asked for.
    static func load(_ ids: [AppointmentID], _ connection: PostgresConnection, _ logger: Logger) async throws
        -> [AppointmentID: Appointment]
    {
        guard !ids.isEmpty else { return [:] }
        let keys = ids.map(\.rawValue)
        var resources: [UUID: [Resource]] = [:]
        let resourceRows = try await connection.query(
            """
            SELECT ar.appointment_id, r.id, r.clinic_id, r.kind, r.name
            FROM appointment_resources ar JOIN resources r ON r.id = ar.resource_id
            WHERE ar.appointment_id = ANY (\(keys)) ORDER BY ar.appointment_id, r.kind
            """, logger: logger)
        for try await (appointment, id, clinic, kind, name) in resourceRows.decode(
            (UUID, UUID, UUID, String, String).self)
        {
            resources[appointment, default: []].append(
                Resource(
                    id: ResourceID(id), clinicID: ClinicID(clinic), kind: ResourceKind(rawValue: kind) ?? .consultRoom,
                    name: try BoundedText(name, maxLength: 200)))
        }
        var appointments: [AppointmentID: Appointment] = [:]
        let rows = try await connection.query(
            """
            SELECT id, referral_id, clinic_id, kind, state, lower(during), upper(during), hold_expires_at, cancel_reason, version,
                   overbook_reason, consent_recorded_at IS NOT NULL
            FROM appointments WHERE id = ANY (\(keys))
            """, logger: logger)
        for try await (id, referral, clinic, kind, state, start, end, hold, reason, version, overbook, consent)
            in rows.decode((UUID, UUID, UUID, String, String, Date, Date, Date?, String?, Int, String?, Bool).self)
        {
            appointments[AppointmentID(id)] = Appointment(
                id: AppointmentID(id), referralID: ReferralID(referral), clinicID: ClinicID(clinic),
                kind: VisitKind(rawValue: kind) ?? .evaluation,
                state: AppointmentState(rawValue: state) ?? .booked, start: start, end: end,
                resources: resources[id] ?? [], holdExpiresAt: hold, cancelReason: reason, overbookReason: overbook,
                consentRecorded: consent, version: version)
        }
        return appointments
    }

    public func cancel(
        id: AppointmentID, reason: String, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange
    ) async throws {
        let logger = database.logger
        try await database.transaction(scope: actor.scope) { connection in
            let locked = try await connection.query(
                "SELECT referral_id FROM appointments WHERE id = \(id.rawValue) FOR UPDATE",
                logger: logger
            ).collect()
            guard let row = locked.first else { throw ServiceError.notFound(entity: "appointment") }
            let referralID = ReferralID(try row.decode(UUID.self))
            guard let appointment = try await Self.load(id, connection, logger),
                let snapshot = try await TriageRows.snapshot(referralID, on: connection, logger: logger)
            else {
                throw ServiceError.notFound(entity: "appointment")
            }
            let change = try decide(snapshot, appointment)
            try await connection.query(
                """
                UPDATE appointments SET state = 'cancelled', hold_expires_at = NULL, cancel_reason = \(reason),
                    version = version + 1, updated_at = \(actor.at)
                WHERE id = \(id.rawValue)
                """, logger: logger)
            try await connection.query(
                "UPDATE appointment_resources SET active = false WHERE appointment_id = \(id.rawValue)", logger: logger)
            try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "appointment.cancel", entityType: "appointment",
                    entityID: id.rawValue), on: connection, logger: logger)
        }
    }

    public func move(
        id: AppointmentID, to state: AppointmentState, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange
    ) async throws {
        let logger = database.logger
        try await database.transaction(scope: actor.scope) { connection in
            let (appointment, snapshot) = try await Self.lock(id, connection, logger)
            if appointment.state == .held {
                // A hold lapses on the act's clock, the one bookings release it by; with its row
                // locked, its claims are as the last booking left them.
                let live =
                    try await connection.query(
                        """
                        SELECT a.hold_expires_at > \(actor.at) AND coalesce(bool_and(c.active), false)
                        FROM appointments a LEFT JOIN appointment_resources c ON c.appointment_id = a.id
                        WHERE a.id = \(id.rawValue) GROUP BY a.hold_expires_at
                        """, logger: logger
                    ).collect().first?.decode(Bool.self) ?? false
                guard live else { throw ServiceError.conflict("the hold has expired; book the time again") }
            }
            let change = try decide(snapshot, appointment)
            try await connection.query(
                """
                UPDATE appointments SET state = \(state.rawValue), hold_expires_at = NULL, version = version + 1, updated_at = \(actor.at)
                WHERE id = \(id.rawValue)
                """, logger: logger)
            if state == .noShow || state == .cancelled {
                try await connection.query(
                    "UPDATE appointment_resources SET active = false WHERE appointment_id = \(id.rawValue)",
                    logger: logger)
            }
            try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "appointment.\(state.rawValue)", entityType: "appointment",
                    entityID: id.rawValue), on: connection, logger: logger)
        }
    }

    public func reschedule(
        old: AppointmentID, new booking: NewBooking, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange
    ) async throws {
        let logger = database.logger
        do {
            try await database.transaction(scope: actor.scope) { connection in
                let (appointment, snapshot) = try await Self.lock(old, connection, logger)
                let change = try decide(snapshot, appointment)
                try await connection.query(
                    """
                    UPDATE appointments SET state = 'cancelled', hold_expires_at = NULL, cancel_reason = 'rescheduled',
                        version = version + 1, updated_at = \(actor.at)
                    WHERE id = \(old.rawValue)
                    """, logger: logger)
                try await connection.query(
                    "UPDATE appointment_resources SET active = false WHERE appointment_id = \(old.rawValue)",
                    logger: logger)
                try await Self.insert(booking, at: actor.at, connection, logger)
                try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "appointment.reschedule", entityType: "appointment",
                        entityID: booking.id.rawValue), on: connection, logger: logger)
            }
        } catch ServiceError.conflict(let message) {
            throw ServiceError.conflict("\(message); the appointment is unchanged")
        }
    }

    /// Locks an appointment and its referral for a change.
    private static func lock(_ id: AppointmentID, _ connection: PostgresConnection, _ logger: Logger) async throws -> (
        Appointment, ReferralSnapshot
    ) {
        let locked = try await connection.query(
            "SELECT referral_id FROM appointments WHERE id = \(id.rawValue) FOR UPDATE",
            logger: logger
        ).collect()
        guard let row = locked.first else { throw ServiceError.notFound(entity: "appointment") }
        guard let appointment = try await load(id, connection, logger),
            let snapshot = try await TriageRows.snapshot(
                ReferralID(try row.decode(UUID.self)), on: connection, logger: logger)
        else {
            throw ServiceError.notFound(entity: "appointment")
        }
        return (appointment, snapshot)
    }

    public func appointments(clinicID: ClinicID, from: Date, to: Date, scope: ClinicScope) async throws
        -> [(Appointment, Patient)]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let rows = try await connection.query(
                """
                SELECT a.id, p.id, p.mrn, p.given_name, p.family_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.sex
                FROM appointments a JOIN referrals r ON r.id = a.referral_id JOIN patients p ON p.id = r.patient_id
                WHERE a.clinic_id = \(clinicID.rawValue) AND a.state <> 'cancelled' AND a.during && tstzrange(\(from), \(to))
                ORDER BY lower(a.during), a.id
                """, logger: logger
            ).collect().map { try $0.decode((UUID, UUID, String, String, String, String, String).self) }
            let loaded = try await Self.load(rows.map { AppointmentID($0.0) }, connection, logger)
            var result: [(Appointment, Patient)] = []
            for (id, patientID, mrn, given, family, birth, sex) in rows {
                guard let appointment = loaded[AppointmentID(id)] else { continue }
                let details = try PatientRows.details(
                    mrn: mrn, givenName: given, familyName: family, birthDate: birth, sex: sex)
                result.append((appointment, Patient(id: PatientID(patientID), clinicID: clinicID, details: details)))
            }
            return result
        }
    }

    public func searchAppointments(_ query: AppointmentQuery, scope: ClinicScope) async throws -> AppointmentPage {
        let logger = database.logger
        let states = query.states?.map(\.rawValue)
        // The cursor's instant is bound as whole microseconds: a Date made from them may encode one
        // microsecond early, and the row it names would come back on the next page.
        let afterMicroseconds = query.after?.microseconds
        return try await database.withConnection(scope: scope) { connection in
            let rows = try await connection.query(
                """
                SELECT a.id, r.patient_id
                FROM appointments a JOIN referrals r ON r.id = a.referral_id JOIN clinics c ON c.id = a.clinic_id
                WHERE (\(query.startFrom)::timestamptz IS NULL OR lower(a.during) >= \(query.startFrom))
                  AND (\(query.startBefore)::timestamptz IS NULL OR lower(a.during) < \(query.startBefore))
                  AND (\(query.dayFrom?.description)::date IS NULL
                       OR (lower(a.during) AT TIME ZONE c.time_zone)::date >= \(query.dayFrom?.description)::date)
                  AND (\(query.dayBefore?.description)::date IS NULL
                       OR (lower(a.during) AT TIME ZONE c.time_zone)::date < \(query.dayBefore?.description)::date)
                  AND (\(states)::text[] IS NULL OR a.state = ANY(\(states)))
                  AND (\(query.patientID?.rawValue)::uuid IS NULL OR r.patient_id = \(query.patientID?.rawValue))
                  AND (\(query.referralID?.rawValue)::uuid IS NULL OR a.referral_id = \(query.referralID?.rawValue))
                  AND (\(query.clinicID?.rawValue)::uuid IS NULL OR a.clinic_id = \(query.clinicID?.rawValue))
                  AND (\(query.kind?.rawValue)::text IS NULL OR a.kind = \(query.kind?.rawValue))
                  AND (\(afterMicroseconds)::bigint IS NULL
                       OR (date_trunc('microseconds', lower(a.during)), a.id)
                          > ('epoch'::timestamptz + \(afterMicroseconds)::bigint * interval '1 microsecond',
                             \(query.after?.id.rawValue)::uuid))
                ORDER BY lower(a.during), a.id
                LIMIT \(query.limit + 1)
                """, logger: logger
            ).collect().map { try $0.decode((UUID, UUID).self) }
            let loaded = try await Self.load(rows.map { AppointmentID($0.0) }, connection, logger)
            let items = rows.prefix(query.limit).compactMap { id, patient in
                loaded[AppointmentID(id)].map { (appointment: $0, patientID: PatientID(patient)) }
            }
            let next = rows.count > query.limit ? items.last.flatMap { AppointmentCursor(after: $0.appointment) } : nil
            return AppointmentPage(items: items, next: next)
        }
    }

    public func recordConsent(id: AppointmentID, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            let updated =
                try await connection.query(
                    """
                    UPDATE appointments SET consent_recorded_at = coalesce(consent_recorded_at, \(actor.at)), version = version + 1,
                        updated_at = \(actor.at)
                    WHERE id = \(id.rawValue) RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if updated {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "appointment.consent", entityType: "appointment", entityID: id.rawValue),
                    on: connection, logger: logger)
            }
            return updated
        }
    }

    public func recordPriorAuthorization(referralID: ReferralID, number: String, actor: Actor) async throws -> Bool {
        let logger = database.logger
        return try await database.transaction(scope: actor.scope) { connection in
            let updated =
                try await connection.query(
                    """
                    UPDATE referrals SET prior_authorization = \(number), version = version + 1, updated_at = \(actor.at)
                    WHERE id = \(referralID.rawValue) RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if updated {
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "referral.prior_authorization", entityType: "referral",
                        entityID: referralID.rawValue), on: connection, logger: logger)
            }
            return updated
        }
    }

    public func readinessFacts(referralIDs: [ReferralID], zone: ClinicTimeZone, scope: ClinicScope) async throws
        -> [ReferralID: ReadinessFacts]
    {
        guard !referralIDs.isEmpty else { return [:] }
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            var facts: [ReferralID: ReadinessFacts] = [:]
            let rows = try await connection.query(
                """
                SELECT r.id,
                       (SELECT max(i.performed_at) FROM referral_imaging ri JOIN imaging_results i ON i.id = ri.imaging_result_id
                        WHERE ri.referral_id = r.id AND i.result_status <> 'cancelled'), r.prior_authorization
                FROM referrals r WHERE r.id = ANY (\(referralIDs.map(\.rawValue)))
                """, logger: logger)
            for try await (id, latest, authorization) in rows.decode((UUID, Date?, String?).self) {
                facts[ReferralID(id)] = ReadinessFacts(
                    latestImaging: latest.map { LocalDate($0, in: zone.zone) }, priorAuthorization: authorization)
            }
            return facts
        }
    }

    public func holdMinutes(clinicID: ClinicID) async throws -> Int {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                "SELECT hold_minutes FROM clinics WHERE id = \(clinicID.rawValue)", logger: logger
            )
            .collect().first?.decode(Int.self) ?? 30
        }
    }
}
