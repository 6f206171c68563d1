import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// The nightly report's figures: aggregates over the event log computed by PostgreSQL, so the
/// process holds counts and short lists however long the history is. Read from the primary, or
/// from a streaming replica that has caught up with it (`ReportReplica`).
struct PostgresReportFigures: ReportFigures {
    let database: ClinicDatabase
    /// The replica these are read from; nil on the primary.
    let replica: ReportReplica?

    var fromReplica: Bool { replica != nil }

    func readFailed(_ error: any Error) {
        replica?.passOver("the reports replica failed during a report (\(type(of: error)))")
    }

    func newReferrals(clinicID: ClinicID, from: Date, to: Date, scope: ClinicScope) async throws
        -> [NewReferralCount]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            // Urgency as the event log had it at the end of the period, so a later override does
            // not rewrite an earlier day; source: the system that sent its first imaging result (the
            // earliest study; of two performed at once, the one received first, never the random id).
            try await connection.query(
                """
                SELECT coalesce(u.urgency, r.urgency) AS urgency, coalesce(s.source_system, 'direct') AS source, count(*)::int
                FROM referrals r
                LEFT JOIN LATERAL (
                    SELECT e.details->>'urgency' AS urgency FROM referral_events e
                    WHERE e.referral_id = r.id AND e.occurred_at < \(to) AND e.details ? 'urgency'
                    ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) u ON true
                LEFT JOIN LATERAL (
                    SELECT i.source_system FROM referral_imaging ri JOIN imaging_results i ON i.id = ri.imaging_result_id
                    JOIN imaging_result_revisions first ON first.imaging_result_id = i.id AND first.revision = 1
                    WHERE ri.referral_id = r.id ORDER BY i.performed_at, first.received_at, i.id LIMIT 1) s ON true
                WHERE r.clinic_id = \(clinicID.rawValue) AND r.created_at >= \(from) AND r.created_at < \(to)
                GROUP BY 1, 2 ORDER BY 1, 2
                """, logger: logger
            ).collect().map {
                let (urgency, source, count) = try $0.decode((String?, String, Int).self)
                return NewReferralCount(urgency: urgency, source: source, count: count)
            }
        }
    }

    func funnels(clinicID: ClinicID, dayFrom: Date, rollingFrom: Date, to: Date, scope: ClinicScope) async throws
        -> (
            day: FunnelCounts, rolling: FunnelCounts
        )
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            // Grouped by cohort: false is the rest of the period, true the day itself.
            let rows = try await connection.query(
                """
                SELECT r.created_at >= \(dayFrom) AS today, count(*)::int,
                       count(*) FILTER (WHERE reached.evaluated)::int, count(*) FILTER (WHERE reached.candidate)::int,
                       count(*) FILTER (WHERE reached.booked)::int, count(*) FILTER (WHERE reached.done)::int
                FROM referrals r
                CROSS JOIN LATERAL (
                    SELECT coalesce(bool_or(e.kind LIKE 'record_evaluation_%'), false) AS evaluated,
                           coalesce(bool_or(e.kind = 'record_evaluation_candidate'), false) AS candidate,
                           coalesce(bool_or(\(unescaped: Self.procedureBooked)), false) AS booked,
                           coalesce(bool_or(\(unescaped: Self.procedureDone)), false) AS done
                    FROM referral_events e WHERE e.referral_id = r.id AND e.occurred_at < \(to)) reached
                WHERE r.clinic_id = \(clinicID.rawValue) AND r.created_at >= \(rollingFrom) AND r.created_at < \(to)
                GROUP BY 1
                """, logger: logger
            ).collect().map { try $0.decode((Bool, Int, Int, Int, Int, Int).self) }
            let empty = FunnelCounts(received: 0, evaluated: 0, candidate: 0, procedureBooked: 0, done: 0)
            let counts = Dictionary(
                uniqueKeysWithValues: rows.map {
                    (
                        $0.0,
                        FunnelCounts(
                            received: $0.1, evaluated: $0.2, candidate: $0.3, procedureBooked: $0.4, done: $0.5)
                    )
                })
            let day = counts[true] ?? empty
            return (day, day + (counts[false] ?? empty))
        }
    }

    /// A procedure booked: the schedule_procedure transition, whichever path made it (a booking,
    /// a confirmed hold, an accepted offer). Events written before transitions were the only
    /// way a referral moved named a confirmed hold by the appointment; they count the same.
    /// Trusted SQL text over `referral_events e`, no input in it.
    static let procedureBooked = """
        (e.kind = 'schedule_procedure' OR (e.kind = 'appointment_confirmed' AND e.to_status = 'procedure_scheduled'))
        """
    /// A procedure done: the complete_procedure transition (earlier events: the completed appointment).
    static let procedureDone = """
        (e.kind = 'complete_procedure' OR (e.kind = 'appointment_completed' AND e.to_status = 'procedure_done'))
        """

    func durations(clinicID: ClinicID, zone: ClinicTimeZone, from: Date, to: Date, scope: ClinicScope)
        async throws
        -> (toEvaluation: DayDistribution, toProcedure: DayDistribution)
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            // Every milestone is known by its transition's event kind (an appointment cancelled also
            // moves a referral back to candidate, or to procedure_done, so a status alone is not enough).
            // Whole days on the clinic's calendar: a referral on the Friday before clocks change
            // and its evaluation the next Friday are 7 days apart, not 6.96.
            let rows = try await connection.query(
                """
                WITH firsts AS (
                    SELECT e.referral_id,
                           min(e.occurred_at) FILTER (WHERE e.kind LIKE 'record_evaluation_%') AS evaluated_at,
                           min(e.occurred_at) FILTER (WHERE e.kind = 'record_evaluation_candidate') AS candidate_at,
                           min(e.occurred_at) FILTER (WHERE \(unescaped: Self.procedureDone)) AS done_at
                    FROM referral_events e JOIN referrals r ON r.id = e.referral_id
                    WHERE r.clinic_id = \(clinicID.rawValue) AND e.occurred_at < \(to)
                      AND (e.kind LIKE 'record_evaluation_%' OR \(unescaped: Self.procedureDone))
                    GROUP BY e.referral_id)
                SELECT 'evaluation', (f.evaluated_at AT TIME ZONE \(zone.identifier))::date - (r.created_at AT TIME ZONE \(zone.identifier))::date,
                       count(*)::int
                FROM firsts f JOIN referrals r ON r.id = f.referral_id
                WHERE f.evaluated_at >= \(from) GROUP BY 2
                UNION ALL
                SELECT 'procedure', (f.done_at AT TIME ZONE \(zone.identifier))::date - (f.candidate_at AT TIME ZONE \(zone.identifier))::date,
                       count(*)::int
                FROM firsts f WHERE f.done_at >= \(from) AND f.candidate_at IS NOT NULL GROUP BY 2
                """, logger: logger
            ).collect().map { try $0.decode((String, Int, Int).self) }
            func table(_ kind: String) -> [Int: Int] {
                Dictionary(rows.filter { $0.0 == kind }.map { ($0.1, $0.2) }, uniquingKeysWith: +)
            }
            return (DayDistribution(table("evaluation")), DayDistribution(table("procedure")))
        }
    }

    // Both lists below ask each referral's status as of `asOf` from its event log. Every status
    // change also sets `updated_at`, so a referral not changed since `asOf` still has the status it
    // had then: one whose stored status is not wanted can only qualify if it changed since. That
    // bound spares the log of every closed or cancelled referral of the clinic's history
    // (measured on 50,000 referrals: 1.5 s and 1.1 s before it).
    func referralsNeedingAction(
        clinicID: ClinicID, asOf: Date, statuses: [ReferralStatus], dueBefore: LocalDate,
        windowFrom: LocalDate, windowThrough: LocalDate, scope: ClinicScope
    ) async throws -> [ReferralActionRow] {
        let codes = statuses.map(\.code)
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT r.id, p.family_name || ', ' || p.given_name, p.mrn, r.urgency, s.to_status, r.created_at,
                       to_char(r.evaluation_due_on, 'YYYY-MM-DD'), to_char(r.window_closes_on, 'YYYY-MM-DD'),
                       (SELECT min(lower(a.during)) FROM appointments a
                        WHERE a.referral_id = r.id AND a.state IN ('held', 'booked', 'confirmed', 'checked_in')
                          AND a.kind = CASE WHEN s.to_status = 'candidate' THEN 'procedure' ELSE 'evaluation' END
                          AND upper(a.during) > \(asOf)),
                       (SELECT to_char(ev.reevaluate_on, 'YYYY-MM-DD') FROM evaluations ev
                        WHERE ev.referral_id = r.id AND ev.created_at < \(asOf) ORDER BY ev.created_at DESC, ev.id LIMIT 1)
                FROM referrals r JOIN patients p ON p.id = r.patient_id
                CROSS JOIN LATERAL (
                    SELECT e.to_status FROM referral_events e WHERE e.referral_id = r.id AND e.occurred_at < \(asOf)
                    ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) s
                WHERE r.clinic_id = \(clinicID.rawValue) AND r.created_at < \(asOf)
                  AND (r.status = ANY(\(codes)::text[]) OR r.updated_at >= \(asOf))
                  AND (r.evaluation_due_on < \(dueBefore.description)::date
                       OR r.window_closes_on BETWEEN \(windowFrom.description)::date AND \(windowThrough.description)::date)
                  AND s.to_status = ANY(\(codes)::text[])
                ORDER BY r.evaluation_due_on NULLS LAST, r.window_closes_on NULLS LAST, r.created_at, r.id
                """, logger: logger
            ).collect().compactMap { row in
                let (id, name, mrn, urgency, status, received, due, window, visit, reevaluate) =
                    try row.decode((UUID, String, String, String?, String, Date, String?, String?, Date?, String?).self)
                guard let status = ReferralStatus(code: status) else { return nil }
                return ReferralActionRow(
                    referralID: ReferralID(id), patientName: name, mrn: mrn, urgency: urgency, status: status,
                    receivedAt: received, evaluationDueOn: due.flatMap { try? LocalDate(iso8601: $0) },
                    windowClosesOn: window.flatMap { try? LocalDate(iso8601: $0) }, nextVisit: visit,
                    reevaluateOn: reevaluate.flatMap { try? LocalDate(iso8601: $0) })
            }
        }
    }

    func usage(clinicID: ClinicID, from: Date, to: Date, now: Date, scope: ClinicScope) async throws
        -> [ResourceUsageRow]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await ResourceWeekRows.load(
                clinicID: clinicID, from: from, to: to, now: now, on: connection, logger: logger)
        }
    }

    func disruptions(clinicID: ClinicID, from: Date, to: Date, scope: ClinicScope) async throws
        -> [DisruptionRow]
    {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            try await connection.query(
                """
                SELECT a.id, a.kind, a.state, lower(a.during), p.family_name || ', ' || p.given_name, a.cancel_reason
                FROM appointments a JOIN referrals r ON r.id = a.referral_id JOIN patients p ON p.id = r.patient_id
                WHERE a.clinic_id = \(clinicID.rawValue) AND a.state IN ('cancelled', 'no_show')
                  AND lower(a.during) >= \(from) AND lower(a.during) < \(to)
                ORDER BY lower(a.during), a.id
                """, logger: logger
            ).collect().compactMap { row in
                let (id, kind, state, start, name, reason) = try row.decode(
                    (UUID, String, String, Date, String, String?).self)
                guard let kind = VisitKind(rawValue: kind), let state = AppointmentState(rawValue: state) else {
                    return nil
                }
                return DisruptionRow(
                    appointmentID: AppointmentID(id), kind: kind, state: state, start: start, patientName: name,
                    reason: reason)
            }
        }
    }

    func waitlist(clinicID: ClinicID, asOf: Date, scope: ClinicScope) async throws -> (
        length: Int, oldest: WaitingRow?
    ) {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let rows = try await connection.query(
                """
                SELECT count(*) OVER ()::int, r.id, p.family_name || ', ' || p.given_name, c.since
                FROM referrals r JOIN patients p ON p.id = r.patient_id
                CROSS JOIN LATERAL (
                    SELECT min(e.occurred_at) AS since FROM referral_events e
                    WHERE e.referral_id = r.id AND e.kind = 'record_evaluation_candidate' AND e.occurred_at < \(asOf)) c
                CROSS JOIN LATERAL (
                    SELECT e.to_status FROM referral_events e WHERE e.referral_id = r.id AND e.occurred_at < \(asOf)
                    ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) s
                WHERE r.clinic_id = \(clinicID.rawValue) AND (r.status = 'candidate' OR r.updated_at >= \(asOf))
                  AND c.since IS NOT NULL AND s.to_status = 'candidate'
                ORDER BY c.since, r.id LIMIT 1
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return (0, nil) }
            let (length, id, name, since) = try row.decode((Int, UUID, String, Date).self)
            return (length, WaitingRow(referralID: ReferralID(id), patientName: name, candidateSince: since))
        }
    }

}
