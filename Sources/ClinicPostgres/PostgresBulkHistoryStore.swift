import ClinicDomain
import ClinicServices
import Foundation
import NIOCore
import PostgresNIO

/// Writes bulk histories with `COPY ... FROM STDIN`, one transaction per batch.
///
/// PostgreSQL refuses `COPY FROM` into tables under row-level security to the roles the
/// policies apply to, so this runs as the schema's owner, like the migrations. The rows are those
/// the stores write for the same history; the triggers (a child row's clinic) and constraints
/// (no overlapping claims) check them as they arrive.
public struct PostgresBulkHistoryStore: BulkHistoryStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) {
        self.database = database
    }

    public func write(_ batch: [BulkReferral], clinicID: ClinicID, actorName: String) async throws {
        let tables = try BulkTables(batch, clinicID: clinicID, actorName: actorName)
        let logger = database.logger
        try await database.transaction(scope: .network) { connection in
            for table in tables.all where !table.rows.isEmpty {
                try await connection.copyFrom(table: table.name, columns: table.columns, logger: logger) { writer in
                    var buffer = ByteBuffer()
                    for row in table.rows {
                        buffer.writeString(row)
                        if buffer.readableBytes > 1 << 20 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
            }
        }
    }
}

/// A batch as the rows of each table, in the order their foreign keys need, in COPY's text format.
struct BulkTables {
    struct Table {
        let name: String
        let columns: [String]
        var rows: [String] = []
    }

    var patients = Table(
        name: "patients", columns: ["id", "clinic_id", "mrn", "given_name", "family_name", "birth_date", "sex"])
    var imaging = Table(
        name: "imaging_results",
        columns: [
            "id", "source_system", "accession_number", "clinic_id", "patient_id", "modality", "result_status",
            "performed_at", "impression", "revision", "content_hash", "received_at", "created_at",
        ])
    var findings = Table(
        name: "imaging_findings",
        columns: [
            "id", "imaging_result_id", "level", "height_loss_percent", "morphology", "edema", "retropulsion",
            "suspected_malignancy", "suspected_infection",
        ])
    var revisions = Table(
        name: "imaging_result_revisions",
        columns: [
            "imaging_result_id", "revision", "result_status", "performed_at", "impression", "findings", "received_at",
        ])
    var referrals = Table(
        name: "referrals",
        columns: [
            "id", "clinic_id", "patient_id", "referring_clinician_name", "referring_clinician_npi", "reason",
            "symptom_onset", "status", "urgency", "urgency_reasons", "evaluation_due_on", "window_closes_on", "payer",
            "neurological_deficit", "cancer_history", "long_term_steroids", "known_osteoporosis", "severe_pain",
            "hospitalised", "version", "created_at", "updated_at",
        ])
    var referralImaging = Table(name: "referral_imaging", columns: ["referral_id", "imaging_result_id"])
    var events = Table(
        name: "referral_events",
        columns: [
            "referral_id", "actor_name", "actor_role", "kind", "from_status", "to_status", "details", "occurred_at",
        ])
    var evaluations = Table(
        name: "evaluations",
        columns: [
            "id", "referral_id", "clinician_name", "clinician_role", "inputs", "assessment", "rule_set_id",
            "rule_set_version", "recommendation", "decision", "decision_reason", "reevaluate_on",
            "against_recommendation", "created_at",
        ])
    var appointments = Table(
        name: "appointments",
        columns: ["id", "referral_id", "clinic_id", "kind", "state", "during", "version", "created_at", "updated_at"])
    var claims = Table(
        name: "appointment_resources", columns: ["appointment_id", "resource_id", "during", "active"])

    var all: [Table] {
        [patients, imaging, findings, revisions, referrals, referralImaging, events, evaluations, appointments, claims]
    }

    init(_ batch: [BulkReferral], clinicID: ClinicID, actorName: String) throws {
        let clinic = clinicID.rawValue.uuidString.lowercased()
        for item in batch {
            let referralID = item.id.rawValue.uuidString.lowercased()
            let patientID = item.patientID.rawValue.uuidString.lowercased()
            let resultID = item.imagingResultID.rawValue.uuidString.lowercased()
            let person = item.referral.patient
            patients.rows.append(
                CopyText.row([
                    patientID, clinic, person.mrn.value, person.givenName.value, person.familyName.value,
                    person.birthDate.description, person.sex.rawValue,
                ]))
            let study = item.imaging
            imaging.rows.append(
                CopyText.row([
                    resultID, study.sourceSystem, study.accessionNumber, clinic, patientID, study.modality.rawValue,
                    study.status.rawValue, CopyText.instant(study.performedAt), study.impression, "1",
                    CopyText.bytea(study.contentHash), CopyText.instant(item.createdAt),
                    CopyText.instant(item.createdAt),
                ]))
            for finding in study.findings {
                findings.rows.append(
                    CopyText.row([
                        UUID().uuidString.lowercased(), resultID, finding.level.description,
                        String(finding.heightLossPercent), finding.morphology?.rawValue, finding.edema.rawValue,
                        CopyText.bool(finding.retropulsion), CopyText.bool(finding.suspectedMalignancy),
                        CopyText.bool(finding.suspectedInfection),
                    ]))
            }
            let snapshot = String(
                decoding: try JSONEncoder().encode(study.findings.map(StoredFinding.init)), as: UTF8.self)
            revisions.rows.append(
                CopyText.row([
                    resultID, "1", study.status.rawValue, CopyText.instant(study.performedAt), study.impression,
                    snapshot, CopyText.instant(item.createdAt),
                ]))
            let new = item.referral
            let triage = new.triage
            let flags = new.flags
            referrals.rows.append(
                CopyText.row([
                    referralID, clinic, patientID, new.referringClinician.name.value, new.referringClinician.npi,
                    new.reason.value, new.symptomOnset?.description, item.status.code, triage.urgency.rawValue,
                    StoredReason.encode(triage.reasons), triage.evaluationDueOn.description,
                    triage.windowClosesOn?.description, new.payer?.value, CopyText.bool(flags.neurologicalDeficit),
                    CopyText.bool(flags.cancerHistory), CopyText.bool(flags.longTermSteroids),
                    CopyText.bool(flags.knownOsteoporosis), CopyText.bool(flags.severePain),
                    CopyText.bool(flags.hospitalised), String(item.events.count - 1),
                    CopyText.instant(item.createdAt), CopyText.instant(item.updatedAt),
                ]))
            referralImaging.rows.append(CopyText.row([referralID, resultID]))
            for event in item.events {
                events.rows.append(
                    CopyText.row([
                        referralID, actorName, Role.admin.rawValue, event.kind.code, event.from?.code, event.to.code,
                        try EventRows.details(triage: event.triage, previousUrgency: nil), CopyText.instant(event.at),
                    ]))
            }
            if let recorded = item.evaluation {
                let evaluation = recorded.evaluation
                let (inputs, assessment) = try EvaluationJSON.encode(evaluation)
                evaluations.rows.append(
                    CopyText.row([
                        evaluation.id.rawValue.uuidString.lowercased(), referralID, recorded.clinicianName,
                        Role.clinician.rawValue, inputs, assessment,
                        evaluation.ruleSet.id.rawValue.uuidString.lowercased(), String(evaluation.ruleSet.version),
                        evaluation.assessment.recommendation.rawValue, evaluation.outcome.rawValue, evaluation.reason,
                        evaluation.reevaluateOn?.description, CopyText.bool(evaluation.againstRecommendation),
                        CopyText.instant(recorded.at),
                    ]))
            }
            for visit in item.appointments {
                let id = visit.id.rawValue.uuidString.lowercased()
                let during = CopyText.range(visit.start, visit.end)
                appointments.rows.append(
                    CopyText.row([
                        id, referralID, clinic, visit.kind.rawValue, visit.state.rawValue, during,
                        visit.state == .booked ? "1" : "2", CopyText.instant(visit.bookedAt),
                        CopyText.instant(visit.updatedAt),
                    ]))
                // A cancelled visit's claims stay, released, as cancelling leaves them.
                let active = visit.state != .cancelled && visit.state != .noShow
                for resource in visit.resources {
                    claims.rows.append(
                        CopyText.row([id, resource.rawValue.uuidString.lowercased(), during, CopyText.bool(active)]))
                }
            }
        }
    }
}

/// COPY's text format: tab-separated columns, `\N` for null, backslash escapes.
enum CopyText {
    static func row(_ values: [String?]) -> String {
        var line = ""
        for (index, value) in values.enumerated() {
            if index > 0 { line.append("\t") }
            guard let value else {
                line.append("\\N")
                continue
            }
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": line.append("\\\\")
                case "\t": line.append("\\t")
                case "\n": line.append("\\n")
                case "\r": line.append("\\r")
                default: line.unicodeScalars.append(scalar)
                }
            }
        }
        line.append("\n")
        return line
    }

    static func instant(_ date: Date) -> String { RFC3339.format(date) }

    static func bool(_ value: Bool) -> String { value ? "t" : "f" }

    /// `[start,end)`, as the stores write visit times.
    static func range(_ start: Date, _ end: Date) -> String { "[\(instant(start)),\(instant(end)))" }

    /// bytea's hex form; `row` doubles its backslash for COPY.
    static func bytea(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = "\\x"
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}
