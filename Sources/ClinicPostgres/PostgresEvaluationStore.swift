import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Candidacy rule sets: insert-only rows, one per version.
public struct PostgresRuleSetStore: CandidacyRuleSetStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    static let columns = "id, name, version, payer, parameters::text"

    static func decode(_ row: PostgresRow) throws -> CandidacyRuleSet {
        let (id, name, version, payer, parameters) = try row.decode((UUID, String, Int, String?, String).self)
        return CandidacyRuleSet(
            id: CandidacyRuleSetID(id), name: name, version: version, payer: payer,
            parameters: try JSONDecoder().decode(CandidacyParameters.self, from: Data(parameters.utf8)))
    }

    public func ruleSets(allVersions: Bool) async throws -> [CandidacyRuleSet] {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM candidacy_rule_sets r
                WHERE \(allVersions) OR r.version = (SELECT max(version) FROM candidacy_rule_sets s WHERE s.name = r.name)
                ORDER BY name, version
                """, logger: logger
            ).collect().map(Self.decode)
        }
    }

    public func ruleSet(payer: String?, clinicID: ClinicID) async throws -> CandidacyRuleSet {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            // The payer's own set when one exists, else the clinic's default; latest version of either.
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM candidacy_rule_sets r
                WHERE r.name = coalesce(
                        (SELECT name FROM candidacy_rule_sets WHERE \(payer)::text IS NOT NULL AND lower(payer) = lower(\(payer))
                         ORDER BY created_at DESC LIMIT 1),
                        (SELECT default_rule_set FROM clinics WHERE id = \(clinicID.rawValue)),
                        'medicare-default')
                ORDER BY r.version DESC LIMIT 1
                """, logger: logger
            ).collect()
            guard let row = rows.first else {
                throw StoredDataError("no candidacy rule set is stored, not even the default")
            }
            return try Self.decode(row)
        }
    }

    public func addVersion(name: String, payer: String?, parameters: CandidacyParameters, actor: Actor) async throws
        -> CandidacyRuleSet
    {
        let logger = database.logger
        let json = String(decoding: try JSONEncoder().encode(parameters), as: UTF8.self)
        return try await database.transaction(outside: .clinicData) { connection in
            // One writer per name at a time, so two admins cannot both create "version 3".
            try await connection.runToEnd(
                "SELECT pg_advisory_xact_lock(hashtextextended('rule-set:' || \(name), 0))", logger: logger)
            if let payer {
                let taken = try await connection.query(
                    """
                    SELECT name FROM candidacy_rule_sets WHERE lower(payer) = lower(\(payer)) AND name <> \(name) LIMIT 1
                    """, logger: logger
                ).collect()
                if let row = taken.first {
                    throw ServiceError.conflict(
                        "payer \(payer) already has the rule set \(try row.decode(String.self)); add a version to that one"
                    )
                }
            }
            let id = UUID()
            let rows = try await connection.query(
                """
                INSERT INTO candidacy_rule_sets (id, name, version, payer, parameters, created_by)
                SELECT \(id), \(name), coalesce(max(version), 0) + 1, \(payer), \(json)::jsonb, \(actor.principal.name)
                FROM candidacy_rule_sets WHERE name = \(name)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger
            ).collect()
            try await AuditRows.insert(
                AuditEntry(actor: actor, action: "rule_set.create", entityType: "candidacy_rule_set", entityID: id),
                on: connection, logger: logger)
            return try Self.decode(rows[0])
        }
    }
}

/// Evaluations with the referral's move, in one transaction.
public struct PostgresEvaluationStore: EvaluationStore {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func record(
        referralID: ReferralID, actor: Actor,
        build: @escaping @Sendable (ReferralSnapshot, [ImagingResult]) throws -> (NewEvaluation, ReferralChange)
    ) async throws {
        let logger = database.logger
        try await database.transaction(scope: actor.scope) { connection in
            guard let snapshot = try await TriageRows.snapshot(referralID, on: connection, logger: logger) else {
                throw ServiceError.notFound(entity: "referral")
            }
            let results = try await ImagingRows.current(
                ids: snapshot.referral.imagingResultIDs, on: connection, logger: logger)
            let (evaluation, change) = try build(snapshot, results)
            let (inputs, assessment) = try EvaluationJSON.encode(evaluation)
            try await connection.query(
                """
                INSERT INTO evaluations (id, referral_id, clinician_token_id, clinician_name, clinician_role, inputs, assessment,
                                         rule_set_id, rule_set_version, recommendation, decision, decision_reason, reevaluate_on,
                                         against_recommendation, created_at)
                VALUES (\(evaluation.id.rawValue), \(referralID.rawValue), \(actor.principal.tokenID?.rawValue), \(actor.principal.name),
                        \(actor.principal.role.rawValue), \(inputs)::jsonb, \(assessment)::jsonb, \(evaluation.ruleSet.id.rawValue),
                        \(evaluation.ruleSet.version), \(evaluation.assessment.recommendation.rawValue), \(evaluation.outcome.rawValue),
                        \(evaluation.reason), \(evaluation.reevaluateOn?.description)::date, \(evaluation.againstRecommendation),
                        \(actor.at))
                """, logger: logger)
            try await TriageRows.apply(change, to: snapshot, actor: actor, on: connection, logger: logger)
            try await AuditRows.insert(
                AuditEntry(
                    actor: actor, action: "evaluation.create", entityType: "evaluation",
                    entityID: evaluation.id.rawValue), on: connection, logger: logger)
            if evaluation.againstRecommendation {
                // Flagged in the trail: a decision against the rule set, with its reason on the evaluation.
                try await AuditRows.insert(
                    AuditEntry(
                        actor: actor, action: "evaluation.decision_against_recommendation",
                        entityType: "referral", entityID: referralID.rawValue), on: connection, logger: logger)
            }
        }
    }

    public func evaluations(referralID: ReferralID, scope: ClinicScope) async throws -> [EvaluationRecord]? {
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let exists = try await connection.query(
                "SELECT 1 FROM referrals WHERE id = \(referralID.rawValue)", logger: logger
            ).collect()
            guard !exists.isEmpty else { return nil }
            return try await connection.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM evaluations e JOIN candidacy_rule_sets r ON r.id = e.rule_set_id
                WHERE e.referral_id = \(referralID.rawValue) ORDER BY e.created_at, e.id
                """, logger: logger
            ).collect().map(Self.record)
        }
    }

    public func latestEvaluations(referralIDs: [ReferralID], scope: ClinicScope) async throws -> [ReferralID:
        EvaluationRecord]
    {
        guard !referralIDs.isEmpty else { return [:] }
        let logger = database.logger
        return try await database.withConnection(scope: scope) { connection in
            let records = try await connection.query(
                """
                SELECT DISTINCT ON (e.referral_id) \(unescaped: Self.columns)
                FROM evaluations e JOIN candidacy_rule_sets r ON r.id = e.rule_set_id
                WHERE e.referral_id = ANY (\(referralIDs.map(\.rawValue)))
                ORDER BY e.referral_id, e.created_at DESC, e.id DESC
                """, logger: logger
            ).collect().map(Self.record)
            return Dictionary(records.map { ($0.referralID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// What `record` decodes, from `evaluations e` joined with its rule set `r`.
    private static let columns = """
        e.id, e.referral_id, e.inputs::text, e.assessment::text, e.decision, e.decision_reason,
        to_char(e.reevaluate_on, 'YYYY-MM-DD'), e.against_recommendation, coalesce(e.clinician_name, ''), e.created_at,
        r.id, r.name, r.version, r.payer, r.parameters::text
        """

    private static func record(_ row: PostgresRow) throws -> EvaluationRecord {
        let decoder = JSONDecoder()
        let (
            id, referralID, inputs, assessment, decision, reason, reevaluate, against, clinician, created,
            ruleSetID, name, version, payer, parameters
        ) =
            try row.decode(
                (
                    UUID, UUID, String, String, String, String?, String?, Bool, String, Date,
                    UUID, String, Int, String?, String
                ).self)
        let ruleSet = CandidacyRuleSet(
            id: CandidacyRuleSetID(ruleSetID), name: name, version: version, payer: payer,
            parameters: try decoder.decode(CandidacyParameters.self, from: Data(parameters.utf8)))
        return EvaluationRecord(
            id: EvaluationID(id), referralID: ReferralID(referralID), ruleSet: ruleSet,
            findings: try decoder.decode(EvaluationFindings.self, from: Data(inputs.utf8)),
            assessment: try decoder.decode(CandidacyAssessment.self, from: Data(assessment.utf8)),
            outcome: EvaluationOutcome(rawValue: decision) ?? .deferred, reason: reason,
            reevaluateOn: try reevaluate.map(LocalDate.init(iso8601:)), againstRecommendation: against,
            clinicianName: clinician, createdAt: created)
    }

    public func minutesPerLevel(clinicID: ClinicID) async throws -> Int {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            let rows = try await connection.query(
                "SELECT minutes_per_level FROM clinics WHERE id = \(clinicID.rawValue)", logger: logger
            ).collect()
            return try rows.first?.decode(Int.self) ?? 60
        }
    }
}

/// An evaluation's `inputs` and `assessment` columns, as every writer stores them.
enum EvaluationJSON {
    static func encode(_ evaluation: NewEvaluation) throws -> (inputs: String, assessment: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (
            String(decoding: try encoder.encode(evaluation.findings), as: UTF8.self),
            String(decoding: try encoder.encode(evaluation.assessment), as: UTF8.self)
        )
    }
}
