import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Triage reasons as stored in jsonb.
struct StoredReason: Codable {
    let code: String
    let detail: String

    static func encode(_ reasons: [TriageReason]) -> String {
        let stored = reasons.map { StoredReason(code: $0.code, detail: $0.detail) }
        return String(decoding: (try? JSONEncoder().encode(stored)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decode(_ text: String?) -> [TriageReason] {
        guard let text, let stored = try? JSONDecoder().decode([StoredReason].self, from: Data(text.utf8)) else {
            return []
        }
        return stored.map { TriageReason(code: $0.code, detail: $0.detail) }
    }
}

/// Loading a referral with everything triage needs, and writing a referral's next state.
enum TriageRows {
    /// The referral, locked FOR UPDATE, with its studies and its clinic's targets and zone.
    static func snapshot(_ id: ReferralID, on connection: PostgresConnection, logger: Logger) async throws
        -> ReferralSnapshot?
    {
        let locked = try await connection.query(
            """
            SELECT r.urgency_override_reason, c.time_zone, c.urgent_due_days, c.routine_due_days, c.candidacy_window_days,
                   to_char((r.created_at AT TIME ZONE c.time_zone)::date, 'YYYY-MM-DD')
            FROM referrals r JOIN clinics c ON c.id = r.clinic_id
            WHERE r.id = \(id.rawValue) FOR UPDATE OF r
            """, logger: logger
        ).collect()
        guard let row = locked.first else { return nil }
        let (overrideReason, zoneName, urgentDays, routineDays, windowDays, received) =
            try row.decode((String?, String, Int, Int, Int, String).self)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: ReferralRows.columns) FROM referrals r JOIN patients p ON p.id = r.patient_id WHERE r.id = \(id.rawValue)
            """, logger: logger
        ).collect()
        guard let referralRow = rows.first else { return nil }
        let referral = try ReferralRows.decode(referralRow)
        let zone = try ClinicTimeZone(zoneName)
        let results = try await ImagingRows.current(ids: referral.imagingResultIDs, on: connection, logger: logger)
        let input = TriageInput(
            flags: referral.flags, studies: results.map { TriageStudy(result: $0, zone: zone) },
            symptomOnset: referral.symptomOnset, receivedOn: try LocalDate(iso8601: received),
            targets: TriageTargets(
                urgentDueDays: urgentDays, routineDueDays: routineDays, candidacyWindowDays: windowDays),
            override: referral.urgencyOverride)
        return ReferralSnapshot(referral: referral, urgencyOverrideReason: overrideReason, triageInput: input)
    }

    /// Writes the change, bumps the version, appends the event and the audit row.
    static func apply(
        _ change: ReferralChange, to snapshot: ReferralSnapshot, actor: Actor,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let referral = snapshot.referral
        let flags = change.flags
        try await connection.query(
            """
            UPDATE referrals SET
                status = \(change.status.code), reason = \(change.reason.value),
                referring_clinician_name = \(change.referringClinician.name.value),
                referring_clinician_npi = \(change.referringClinician.npi),
                symptom_onset = \(change.symptomOnset?.description)::date, payer = \(change.payer),
                neurological_deficit = \(flags.neurologicalDeficit), cancer_history = \(flags.cancerHistory),
                long_term_steroids = \(flags.longTermSteroids), known_osteoporosis = \(flags.knownOsteoporosis),
                severe_pain = \(flags.severePain), hospitalised = \(flags.hospitalised),
                urgency_override = \(change.urgencyOverride?.rawValue), urgency_override_reason = \(change.urgencyOverrideReason),
                urgency = \(change.triage.urgency.rawValue), urgency_reasons = \(StoredReason.encode(change.triage.reasons))::jsonb,
                evaluation_due_on = \(change.triage.evaluationDueOn.description)::date,
                window_closes_on = \(change.triage.windowClosesOn?.description)::date,
                cancel_reason = \(change.cancelReason), version = version + 1, updated_at = \(actor.at)
            WHERE id = \(referral.id.rawValue)
            """, logger: logger)
        let urgencyChanged = referral.urgency != change.triage.urgency
        try await EventRows.insert(
            referral: referral.id, kind: change.event, from: referral.status, to: change.status,
            reason: change.eventReason,
            triage: urgencyChanged || change.event == .urgencyOverridden ? change.triage : nil,
            previousUrgency: referral.urgency, actor: actor, on: connection, logger: logger)
        try await AuditRows.insert(
            AuditEntry(
                actor: actor, action: "referral.\(change.event.code)", entityType: "referral",
                entityID: referral.id.rawValue), on: connection, logger: logger)
    }
}
