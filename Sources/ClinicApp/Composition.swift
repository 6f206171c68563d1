import ClinicDocuments
import ClinicPostgres
import ClinicServices
import Foundation

/// The composition root: the one place that knows both the use cases and the stores, and wires
/// each service to its PostgreSQL store. `clinic serve`, the CLI commands, the simulation and the
/// tests all build their services here, so they run the same wiring.
extension APIServices {
    /// Every service wired to its PostgreSQL store, on the clock `now`; the reports read their
    /// figures from `reportsReplica` while it keeps up with the primary.
    public static func postgres(
        _ database: ClinicDatabase, reportsReplica: ReportReplica? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws -> APIServices {
        let audit = PostgresAuditStore(database: database)
        let reach = ClinicReach.postgres(database)
        let clinics = PostgresClinicStore(database: database)
        let imaging = PostgresImagingStore(database: database)
        let referrals = PostgresReferralStore(database: database)
        let evaluations = PostgresEvaluationStore(database: database)
        let schedulingStore = PostgresSchedulingStore(database: database)
        let scheduling = SchedulingService(
            store: schedulingStore, referrals: referrals, setup: clinics, evaluations: evaluations, reach: reach,
            now: now)
        let setup = ClinicSetupService(store: clinics, reach: reach)
        let referralService = ReferralService(
            referrals: referrals, clinics: clinics, imaging: imaging, audit: audit, reach: reach)
        return APIServices(
            referrals: referralService,
            imaging: ImagingService(store: imaging, clinics: clinics, audit: audit, reach: reach),
            evaluations: EvaluationService(
                evaluations: evaluations, ruleSets: PostgresRuleSetStore(database: database), referrals: referrals,
                clinics: clinics, audit: audit, reach: reach),
            setup: setup,
            scheduling: scheduling,
            waitlist: WaitlistService(
                store: PostgresWaitlistStore(database: database), scheduling: scheduling,
                referrals: referralService, evaluations: evaluations, setup: clinics, reach: reach, now: now),
            reports: NightlyReportService(
                store: PostgresReportStore(database: database, replica: reportsReplica), setup: clinics,
                scheduling: scheduling,
                audit: audit, reach: reach, now: now),
            tokens: TokenService(store: PostgresTokenStore(database: database)),
            audit: audit,
            auditTrail: AuditService(store: audit, reach: reach),
            readiness: PostgresReadinessProbe(database: database, migrations: try Migration.bundled()),
            interfaceMessages: PostgresInterfaceMessageLog(database: database),
            resources: ResourceAdministration(store: clinics, reach: reach),
            patients: PatientService(
                directory: PostgresPatientDirectory(database: database), referrals: referrals,
                scheduling: schedulingStore, imaging: imaging, audit: audit, reach: reach),
            changes: ChangeFeedService(store: PostgresChangeStore(database: database), audit: audit),
            webhooks: WebhookService(store: PostgresWebhookStore(database: database), clinics: clinics, reach: reach),
            instructions: InstructionService(
                templates: PostgresInstructionTemplateStore(database: database), scheduling: schedulingStore,
                referrals: referrals, clinics: setup, evaluations: evaluations, audit: audit, reach: reach,
                check: { document, format, body in
                    do {
                        _ = try InstructionTemplate(document: document, format: format, source: body)
                    } catch let error as InvalidInstructionTemplate {
                        throw TemplateRefusal(message: error.message)
                    }
                }),
            now: now)
    }
}

extension ClinicReach {
    /// The scope check on PostgreSQL: entities located through `clinic_of`, refusals audited.
    public static func postgres(_ database: ClinicDatabase) -> ClinicReach {
        ClinicReach(locator: PostgresEntityLocator(database: database), audit: PostgresAuditStore(database: database))
    }
}

extension ClinicSetupService {
    /// Clinic configuration on PostgreSQL, for the commands that need only it.
    public static func postgres(_ database: ClinicDatabase) -> ClinicSetupService {
        ClinicSetupService(store: PostgresClinicStore(database: database), reach: .postgres(database))
    }
}

extension ResourceAdministration {
    /// Resource renames, deactivations and blocks on PostgreSQL, for `clinic resource` and `clinic block`.
    public static func postgres(_ database: ClinicDatabase) -> ResourceAdministration {
        ResourceAdministration(store: PostgresClinicStore(database: database), reach: .postgres(database))
    }
}

extension AuditService {
    /// The audit trail on PostgreSQL, for `clinic audit`.
    public static func postgres(_ database: ClinicDatabase) -> AuditService {
        AuditService(store: PostgresAuditStore(database: database), reach: .postgres(database))
    }
}

/// A template the documents module refused, with its reason as the admin sees it.
struct TemplateRefusal: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
