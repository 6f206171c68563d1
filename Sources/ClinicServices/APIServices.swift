import Foundation

/// The use cases the HTTP API exposes, built once per process (or per test).
public struct APIServices: Sendable {
    public let referrals: ReferralService
    public let imaging: ImagingService
    public let evaluations: EvaluationService
    public let setup: ClinicSetupService
    public let scheduling: SchedulingService
    public let waitlist: WaitlistService
    public let reports: NightlyReportService
    public let tokens: TokenService
    public let audit: any AuditStore
    public let auditTrail: AuditService
    public let readiness: any ReadinessProbe
    /// Accepted HL7 messages, so a redelivery answers as the first delivery did.
    public let interfaceMessages: any InterfaceMessageLog
    public let resources: ResourceAdministration
    public let patients: PatientService
    public let changes: ChangeFeedService
    public let webhooks: WebhookService
    public let instructions: InstructionService
    /// The clock every service was given: the API reads it once per request.
    public let now: @Sendable () -> Date

    public init(
        referrals: ReferralService, imaging: ImagingService, evaluations: EvaluationService, setup: ClinicSetupService,
        scheduling: SchedulingService, waitlist: WaitlistService, reports: NightlyReportService, tokens: TokenService,
        audit: any AuditStore, auditTrail: AuditService,
        readiness: any ReadinessProbe, interfaceMessages: any InterfaceMessageLog, resources: ResourceAdministration,
        patients: PatientService, changes: ChangeFeedService, webhooks: WebhookService,
        instructions: InstructionService,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.resources = resources
        self.patients = patients
        self.changes = changes
        self.webhooks = webhooks
        self.instructions = instructions
        self.interfaceMessages = interfaceMessages
        self.waitlist = waitlist
        self.reports = reports
        self.setup = setup
        self.scheduling = scheduling
        self.referrals = referrals
        self.imaging = imaging
        self.evaluations = evaluations
        self.tokens = tokens
        self.audit = audit
        self.auditTrail = auditTrail
        self.readiness = readiness
        self.now = now
    }
}
