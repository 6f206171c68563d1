import ClinicPostgres
import ClinicServices
import Foundation

/// The composition root: the one place that knows both the use cases and the stores, and wires
/// each service to its PostgreSQL store. `clinic serve`, the CLI commands, the simulation and the
/// tests all build their services here, so they run the same wiring.
extension APIServices {
    /// Every service wired to its PostgreSQL store, on the clock `now`.
    public static func postgres(_ database: ClinicDatabase, now: @escaping @Sendable () -> Date = Date.init) throws
        -> APIServices
    {
        let audit = PostgresAuditStore(database: database)
        let clinics = PostgresClinicStore(database: database)
        let imaging = PostgresImagingStore(database: database)
        let referrals = PostgresReferralStore(database: database)
        let scheduling = SchedulingService(
            store: PostgresSchedulingStore(database: database), referrals: referrals, setup: clinics,
            evaluations: PostgresEvaluationStore(database: database), now: now)
        let referralService = ReferralService(
            referrals: referrals, clinics: clinics, imaging: imaging, audit: audit, now: now)
        return APIServices(
            referrals: referralService,
            imaging: ImagingService(store: imaging, clinics: clinics, audit: audit, now: now),
            evaluations: EvaluationService(
                evaluations: PostgresEvaluationStore(database: database),
                ruleSets: PostgresRuleSetStore(database: database), referrals: referrals,
                clinics: clinics, audit: audit, now: now),
            setup: ClinicSetupService(store: clinics),
            scheduling: scheduling,
            waitlist: WaitlistService(
                store: PostgresWaitlistStore(database: database), scheduling: scheduling,
                referrals: referralService, evaluations: PostgresEvaluationStore(database: database), setup: clinics,
                now: now),
            reports: NightlyReportService(
                store: PostgresReportStore(database: database), setup: clinics, scheduling: scheduling,
                audit: audit, now: now),
            tokens: TokenService(store: PostgresTokenStore(database: database)),
            audit: audit,
            readiness: PostgresReadinessProbe(database: database, migrations: try Migration.bundled()),
            now: now)
    }
}
