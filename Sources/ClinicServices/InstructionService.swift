import ClinicDomain
import Foundation

/// A clinic's own wording of one letter, as stored.
public struct StoredInstructionTemplate: Sendable, Hashable {
    public let document: InstructionDocument
    public let format: InstructionFormat
    public let body: String
    public let updatedAt: Date
    public let updatedBy: String

    public init(
        document: InstructionDocument, format: InstructionFormat, body: String, updatedAt: Date, updatedBy: String
    ) {
        self.document = document
        self.format = format
        self.body = body
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// The clinics' letter templates, stored.
public protocol InstructionTemplateStore: Sendable {
    func templates(clinicID: ClinicID) async throws -> [StoredInstructionTemplate]
    func template(clinicID: ClinicID, document: InstructionDocument, format: InstructionFormat) async throws
        -> StoredInstructionTemplate?
    func save(_ template: StoredInstructionTemplate, clinicID: ClinicID, actor: Actor) async throws
    /// - Returns: false when the clinic had no template of its own there.
    func delete(clinicID: ClinicID, document: InstructionDocument, format: InstructionFormat, actor: Actor)
        async throws -> Bool
}

/// A letter ready to render: its facts, and the clinic's template when it has its own.
public struct InstructionLetter: Sendable {
    public let facts: PatientInstructions
    public let customTemplate: String?
}

/// Patient letters: the facts of a visit in the clinic's zone, and the clinic's wording of them.
public struct InstructionService: Sendable {
    /// Checks a template before it is stored (it parses and renders a sample visit); the
    /// message of what it throws is shown to the admin.
    public typealias TemplateCheck = @Sendable (InstructionDocument, InstructionFormat, String) throws -> Void

    private let templates: any InstructionTemplateStore
    private let scheduling: any SchedulingStore
    private let referrals: any ReferralStore
    private let clinics: ClinicSetupService
    private let evaluations: any EvaluationStore
    private let audit: any AuditStore
    private let reach: ClinicReach
    private let check: TemplateCheck

    /// Minutes before the start a patient is asked to arrive: a procedure needs check-in,
    /// consent, an IV line and the anaesthetist's review; a consultation only a check-in.
    public static func arrivalLead(_ kind: VisitKind) -> Int { kind == .procedure ? 60 : 15 }

    public init(
        templates: any InstructionTemplateStore, scheduling: any SchedulingStore, referrals: any ReferralStore,
        clinics: ClinicSetupService, evaluations: any EvaluationStore, audit: any AuditStore, reach: ClinicReach,
        check: @escaping TemplateCheck
    ) {
        self.templates = templates
        self.scheduling = scheduling
        self.referrals = referrals
        self.clinics = clinics
        self.evaluations = evaluations
        self.audit = audit
        self.reach = reach
        self.check = check
    }

    /// The letter for an appointment: its preparation, or the aftercare sheet once a procedure
    /// is completed. A cancelled or missed visit has none. Audited as a read of patient data.
    public func letter(appointmentID: AppointmentID, format: InstructionFormat, actor: Actor) async throws
        -> InstructionLetter
    {
        let appointment = try await reach.within(.appointment(appointmentID), actor) {
            guard let appointment = try await scheduling.appointment(id: appointmentID, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "appointment")
            }
            return appointment
        }
        guard appointment.state != .cancelled, appointment.state != .noShow else {
            throw ServiceError.conflict(
                "the appointment is \(appointment.state.rawValue): there is no letter for a visit that will not happen")
        }
        guard let referral = try await referrals.referral(id: appointment.referralID, scope: actor.scope) else {
            throw ServiceError.notFound(entity: "appointment")
        }
        let setup = try await clinics.clinicSetup(id: appointment.clinicID, actor: actor)
        let zone = setup.clinic.timeZone
        let visit = Self.visit(appointment, zone)
        let document: InstructionDocument =
            switch appointment.kind {
            case .evaluation: .evaluation
            case .followUp: .followUp
            case .procedure: appointment.state == .completed ? .aftercare : .procedure
            }
        var procedure: PatientInstructions.ProcedureFacts?
        var aftercare: PatientInstructions.AftercareFacts?
        if appointment.kind == .procedure {
            let latest = try await evaluations.latestEvaluations(referralIDs: [referral.id], scope: actor.scope)[
                referral.id]
            guard let latest, latest.outcome == .candidate else {
                throw ServiceError.conflict(
                    "the referral has no evaluation deciding it is a candidate, so no plan to print")
            }
            let plan = PreProcedurePlan.make(
                latest.findings, parameters: latest.ruleSet.parameters,
                minutesPerLevel: try await evaluations.minutesPerLevel(clinicID: referral.clinicID),
                procedureDate: visit.date)
            if document == .aftercare {
                aftercare = PatientInstructions.AftercareFacts(
                    procedureDate: visit.date, levels: plan.levels, osteoporosis: referral.flags.knownOsteoporosis,
                    followUp: try await followUp(of: referral.id, zone: zone, actor: actor))
            } else {
                procedure = Self.procedure(plan, appointment: appointment, zone: zone)
            }
        }
        let contact = setup.clinic.contact
        let cityLine = [
            contact.city?.value,
            [contact.state?.value, contact.postalCode?.value].compactMap { $0 }.joined(separator: " "),
        ].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        let facts = PatientInstructions(
            document: document,
            clinic: .init(
                name: setup.clinic.name.value, phone: contact.phone?.value, website: contact.website,
                addressLines: contact.addressLines.map(\.value)
                    + [cityLine, contact.country?.value ?? ""].filter {
                        !$0.isEmpty
                    },
                timeZone: zone.identifier),
            patientGivenName: referral.patient.details.givenName.value,
            patientFamilyName: referral.patient.details.familyName.value, visit: visit, procedure: procedure,
            aftercare: aftercare)
        let custom = try await templates.template(clinicID: appointment.clinicID, document: document, format: format)
        try await audit.record(
            AuditEntry(
                actor: actor, action: "appointment.instructions.read", entityType: "appointment",
                entityID: appointmentID.rawValue))
        return InstructionLetter(facts: facts, customTemplate: custom?.body)
    }

    /// The clinic's own templates (absent ones use the shipped wording).
    public func templates(clinicID: ClinicID, actor: Actor) async throws -> [StoredInstructionTemplate] {
        _ = try await clinics.clinicSetup(id: clinicID, actor: actor)
        return try await templates.templates(clinicID: clinicID)
    }

    /// Replaces the clinic's wording of one letter, once the template is checked.
    public func setTemplate(
        clinicID: ClinicID, document: InstructionDocument, format: InstructionFormat, body: String, actor: Actor
    ) async throws -> StoredInstructionTemplate {
        _ = try await clinics.clinicSetup(id: clinicID, actor: actor)
        guard !body.isEmpty, body.unicodeScalars.count <= 100_000 else {
            throw ServiceError.invalid("/body", "must be 1 to 100000 characters")
        }
        do {
            try check(document, format, body)
        } catch {
            throw ServiceError.unprocessable(ValidationError(pointer: "/body", message: "\(error)"))
        }
        let template = StoredInstructionTemplate(
            document: document, format: format, body: body, updatedAt: actor.at, updatedBy: actor.principal.name)
        try await templates.save(template, clinicID: clinicID, actor: actor)
        return template
    }

    /// Back to the shipped wording of one letter.
    public func resetTemplate(
        clinicID: ClinicID, document: InstructionDocument, format: InstructionFormat, actor: Actor
    ) async throws {
        _ = try await clinics.clinicSetup(id: clinicID, actor: actor)
        _ = try await templates.delete(clinicID: clinicID, document: document, format: format, actor: actor)
    }

    private func followUp(of referral: ReferralID, zone: ClinicTimeZone, actor: Actor) async throws
        -> PatientInstructions.VisitFacts?
    {
        let page = try await scheduling.searchAppointments(
            AppointmentQuery(
                states: [.held, .booked, .confirmed, .checkedIn], referralID: referral, kind: .followUp, limit: 1),
            scope: actor.scope)
        return page.items.first.map { Self.visit($0.appointment, zone) }
    }

    static func visit(_ appointment: Appointment, _ zone: ClinicTimeZone) -> PatientInstructions.VisitFacts {
        let arrival = appointment.start.addingTimeInterval(-Double(arrivalLead(appointment.kind)) * 60)
        return PatientInstructions.VisitFacts(
            kind: appointment.kind, date: LocalDate(appointment.start, in: zone.zone),
            start: LocalTime(appointment.start, in: zone), end: LocalTime(appointment.end, in: zone),
            arrival: LocalTime(arrival, in: zone),
            arrivalDate: LocalDate(arrival, in: zone.zone))
    }

    /// Fasting and holds on the clinic's clock, counted from the booked start.
    static func procedure(_ plan: PreProcedurePlan, appointment: Appointment, zone: ClinicTimeZone)
        -> PatientInstructions.ProcedureFacts
    {
        let date = plan.procedureDate
        let arrival = appointment.start.addingTimeInterval(-Double(arrivalLead(.procedure)) * 60)
        // General anesthesia: no food from midnight at the start of the day; sedation: six hours
        // before arrival. Clear fluids until two hours before arrival either way.
        let noFood = plan.anesthesia == .general ? zone.startOfDay(date) : arrival.addingTimeInterval(-6 * 3600)
        let fluids = arrival.addingTimeInterval(-2 * 3600)
        let holds = plan.holds.map { hold -> PatientInstructions.MedicationHold in
            if hold.anticoagulant == .lmwh {
                // The last injection at least 24 hours before the start: by the same clock time the
                // day before (24 hours of instants, so a clock change that night is accounted for).
                let latest = appointment.start.addingTimeInterval(-24 * 3600)
                return .init(
                    drug: .lmwh, stopOn: date, lastDoseOn: LocalDate(latest, in: zone.zone),
                    lastDoseNoLaterThan: LocalTime(latest, in: zone))
            }
            return .init(
                drug: hold.anticoagulant, stopOn: hold.stopOn, lastDoseOn: hold.stopOn.adding(days: -1),
                lastDoseNoLaterThan: nil)
        }
        return PatientInstructions.ProcedureFacts(
            levels: plan.levels, anesthesia: plan.anesthesia,
            fasting: .init(
                noFoodFromDate: LocalDate(noFood, in: zone.zone), noFoodFrom: LocalTime(noFood, in: zone),
                clearFluidsUntilDate: LocalDate(fluids, in: zone.zone), clearFluidsUntil: LocalTime(fluids, in: zone)),
            holds: holds,
            inrCheckOn: plan.holds.contains { $0.anticoagulant == .warfarin } ? date.adding(days: -1) : nil,
            mayDriveFrom: date.adding(days: 2))
    }

}
