import ClinicDomain
import ClinicInterop
import ClinicServices
import Foundation

/// `/fhir/r4`: FHIR R4 reads and searches over the same services as `/v1`, and referrals in as
/// ServiceRequests. Errors become OperationOutcomes on the way out (RequestLogMiddleware).
extension APIHandler {
    func fhirCapabilities(_ input: Operations.FhirCapabilities.Input) async throws
        -> Operations.FhirCapabilities.Output
    {
        let statement = FHIRCapabilityStatement.server(
            baseURL: Self.fhirBase, software: ClinicVersion.current, date: RequestScope.instant)
        return .ok(.init(body: .applicationFhirJson(try Self.fhir(.capabilityStatement(statement)))))
    }

    func fhirReadPatient(_ input: Operations.FhirReadPatient.Input) async throws -> Operations.FhirReadPatient.Output {
        let patient = try await services.patients.patient(
            id: try FHIRParameters.id(input.path.id, "patient"), actor: RequestScope.actor())
        return .ok(.init(body: .applicationFhirJson(try Self.fhir(.patient(FHIRPatient(patient: patient))))))
    }

    func fhirReadServiceRequest(_ input: Operations.FhirReadServiceRequest.Input) async throws
        -> Operations.FhirReadServiceRequest.Output
    {
        let referral = try await services.referrals.referral(
            id: try FHIRParameters.id(input.path.id, "referral"), actor: RequestScope.actor())
        return .ok(
            .init(body: .applicationFhirJson(try Self.fhir(.serviceRequest(FHIRServiceRequest(referral: referral))))))
    }

    func fhirSearchServiceRequests(_ input: Operations.FhirSearchServiceRequests.Input) async throws
        -> Operations.FhirSearchServiceRequests.Output
    {
        let query = input.query
        var request = ReferralService.ListRequest(limit: try FHIRParameters.count(query._count))
        if let patient = query.patient {
            request.patientID = try FHIRParameters.reference(patient, type: "Patient", parameter: "patient")
        }
        if let status = query.status {
            guard let states = Self.referralStates[status] else {
                throw APIProblem.validation("/status", "must be active, completed or revoked")
            }
            request.statuses = states
        }
        if let priority = query.priority {
            guard let urgency = Self.urgencies[priority] else {
                throw APIProblem.validation("/priority", "must be routine, urgent, asap or stat")
            }
            // Nothing here is triaged asap: it matches no referral.
            guard let urgency else { return .ok(.init(body: .applicationFhirJson(try Self.bundle([], next: nil)))) }
            request.effectiveUrgency = urgency
        }
        if let cursor = try cursors.fhirCursor(query._cursor, search: "ServiceRequest") {
            guard let after = ReferralCursor(payload: cursor) else {
                throw APIProblem.validation("/_cursor", "is not a cursor this server issued for this search")
            }
            request.after = after
        }
        let page = try await services.referrals.list(request, actor: RequestScope.actor())
        let next = page.next.map { Self.nextLink(cursor: cursors.token(fhir: "ServiceRequest", $0.payload)) }
        let entries = page.items.map { FHIRResource.serviceRequest(FHIRServiceRequest(referral: $0)) }
        return .ok(.init(body: .applicationFhirJson(try Self.bundle(entries, next: next))))
    }

    func fhirCreateServiceRequest(_ input: Operations.FhirCreateServiceRequest.Input) async throws
        -> Operations.FhirCreateServiceRequest.Output
    {
        guard case .applicationFhirJson(let body) = input.body else {
            throw APIProblem.validation("", "send the ServiceRequest as application/fhir+json")
        }
        let intake: FHIRServiceRequestIntake
        do {
            intake = try FHIRServiceRequestIntake(json: try FHIRJSON.encode(body))
        } catch let error as FHIRIntakeError {
            throw APIProblem(
                status: .badRequest, type: "validation", title: "The ServiceRequest is not valid",
                detail: error.diagnostics, errors: [.init(pointer: error.expression, detail: error.diagnostics)])
        }
        let key = "fhir:\(intake.identifier.system)|\(intake.identifier.value)"
        let created: ReferralService.Created
        do {
            created = try await services.referrals.create(
                intake.draft, idempotencyKey: key, actor: RequestScope.actor())
        } catch let error as ServiceError {
            throw Self.inFHIRTerms(error)
        }
        let resource = try Self.fhir(.serviceRequest(FHIRServiceRequest(referral: created.referral)))
        let location = Self.fhirBase + "/ServiceRequest/\(created.referral.id)"
        if created.replayed {
            return .ok(.init(headers: .init(location: location), body: .applicationFhirJson(resource)))
        }
        return .created(.init(headers: .init(location: location), body: .applicationFhirJson(resource)))
    }

    func fhirReadAppointment(_ input: Operations.FhirReadAppointment.Input) async throws
        -> Operations.FhirReadAppointment.Output
    {
        let actor = try RequestScope.actor()
        let appointment = try await services.scheduling.appointment(
            id: try FHIRParameters.id(input.path.id, "appointment"), actor: actor)
        let referral = try await services.referrals.referral(id: appointment.referralID, actor: actor)
        let levels = try await plannedLevels([appointment], actor: actor)
        let resource = FHIRAppointment(
            appointment: appointment, patientID: referral.patient.id, procedureLevels: levels[referral.id] ?? [])
        return .ok(.init(body: .applicationFhirJson(try Self.fhir(.appointment(resource)))))
    }

    func fhirSearchAppointments(_ input: Operations.FhirSearchAppointments.Input) async throws
        -> Operations.FhirSearchAppointments.Output
    {
        let query = input.query
        var search = AppointmentQuery(limit: try FHIRParameters.count(query._count))
        let range = try FHIRDateRange(query.date ?? [], parameter: "date")
        for bound in range.lower {
            switch bound {
            case .day(let day): search.dayFrom = max(search.dayFrom ?? day, day)
            case .instant(let instant): search.startFrom = max(search.startFrom ?? instant, instant)
            }
        }
        for bound in range.upper {
            switch bound {
            case .day(let day): search.dayBefore = min(search.dayBefore ?? day, day)
            case .instant(let instant): search.startBefore = min(search.startBefore ?? instant, instant)
            }
        }
        if let status = query.status {
            guard let states = Self.appointmentStates[status] else {
                throw APIProblem.validation(
                    "/status", "must be pending, booked, checked-in, fulfilled, cancelled or noshow")
            }
            search.states = states
        }
        if let patient = query.patient {
            search.patientID = try FHIRParameters.reference(patient, type: "Patient", parameter: "patient")
        }
        if let cursor = try cursors.fhirCursor(query._cursor, search: "Appointment") {
            guard let after = AppointmentCursor(payload: cursor) else {
                throw APIProblem.validation("/_cursor", "is not a cursor this server issued for this search")
            }
            search.after = after
        }
        let actor = try RequestScope.actor()
        let page = try await services.scheduling.searchAppointments(search, actor: actor)
        let next = page.next.map { Self.nextLink(cursor: cursors.token(fhir: "Appointment", $0.payload)) }
        let levels = try await plannedLevels(page.items.map(\.appointment), actor: actor)
        let entries = page.items.map {
            FHIRResource.appointment(
                FHIRAppointment(
                    appointment: $0.appointment, patientID: $0.patientID,
                    procedureLevels: levels[$0.appointment.referralID] ?? []))
        }
        return .ok(.init(body: .applicationFhirJson(try Self.bundle(entries, next: next))))
    }

    func fhirSearchSchedules(_ input: Operations.FhirSearchSchedules.Input) async throws
        -> Operations.FhirSearchSchedules.Output
    {
        let actor = try RequestScope.actor()
        let limit = try FHIRParameters.count(input.query._count)
        var clinics = try await services.setup.clinics(actor: actor)
        if let actorReference = input.query.actor {
            let id: ClinicID = try FHIRParameters.reference(actorReference, type: "Location", parameter: "actor")
            clinics = clinics.filter { $0.id == id }
        }
        let schedules = clinics.flatMap { clinic in
            Self.publishedKinds.map { FHIRResource.schedule(FHIRSchedule(clinic: clinic, kind: $0)) }
        }
        // Two schedules per clinic: a page holds a network's worth, so no cursor is needed.
        return .ok(.init(body: .applicationFhirJson(try Self.bundle(Array(schedules.prefix(limit)), next: nil))))
    }

    func fhirReadSchedule(_ input: Operations.FhirReadSchedule.Input) async throws -> Operations.FhirReadSchedule.Output
    {
        let (clinic, kind) = try await schedule(input.path.id, parameter: nil)
        return .ok(
            .init(body: .applicationFhirJson(try Self.fhir(.schedule(FHIRSchedule(clinic: clinic, kind: kind))))))
    }

    func fhirSearchSlots(_ input: Operations.FhirSearchSlots.Input) async throws -> Operations.FhirSearchSlots.Output {
        let query = input.query
        let limit = try FHIRParameters.count(query._count)
        let clinic: Clinic
        let kind: VisitKind
        do {
            (clinic, kind) = try await schedule(query.schedule, parameter: "schedule")
        } catch ServiceError.unknownReference {
            // A schedule of a clinic that does not exist, or that the token does not reach, has no slots.
            return .ok(.init(body: .applicationFhirJson(try Self.bundle([], next: nil))))
        }
        var wanted: Set<Bool> = [true, false]
        if let status = query.status {
            switch status {
            case "free": wanted = [true]
            case "busy": wanted = [false]
            default: throw APIProblem.validation("/status", "must be free or busy")
            }
        }
        let now = RequestScope.instant
        let range = try FHIRDateRange(query.start ?? [], parameter: "start", defaultPrefix: "ge")
        let bounds = range.instants(in: clinic.timeZone)
        let from = max(bounds.from ?? now, now)
        let days = Double(SchedulingService.maximumPublishedDays) * 86_400
        // Never past year 9999: nothing later can be stored, bound or named.
        let to = min(bounds.before ?? from.addingTimeInterval(14 * 86_400), Date.storableRange.upperBound)
        if to.timeIntervalSince(from) > days {
            throw APIProblem.validation(
                "/start",
                "must span at most \(SchedulingService.maximumPublishedDays) days from its lower bound (or now)")
        }
        let actor = try RequestScope.actor()
        let slots = try await services.scheduling.publishedSlots(
            clinicID: clinic.id, kind: kind, from: from, to: to, now: now, scope: actor.scope
        ).filter { wanted.contains($0.isFree) }
        let scheduleID = FHIRIDs.schedule(clinicID: clinic.id, kind: kind)
        // Slot ids order slots by start and are unique: a page ends after an id, the next one
        // starts after it, and slots sharing a start are neither skipped nor shown twice.
        let after = try cursors.fhirCursor(query._cursor, search: "Slot")
        let all = try slotResources(slots, scheduleID: scheduleID, clinic: clinic)
        let remaining = all.drop { slot in after.map { slot.id <= $0 } ?? false }
        let page = Array(remaining.prefix(limit))
        let next =
            remaining.count > limit ? page.last.map { Self.nextLink(cursor: cursors.token(fhir: "Slot", $0.id)) } : nil
        return .ok(.init(body: .applicationFhirJson(try Self.bundle(page.map { $0.resource }, next: next))))
    }

    func fhirReadDiagnosticReport(_ input: Operations.FhirReadDiagnosticReport.Input) async throws
        -> Operations.FhirReadDiagnosticReport.Output
    {
        let result = try await services.imaging.result(
            id: try FHIRParameters.id(input.path.id, "imaging result"), revision: nil, actor: RequestScope.actor())
        return .ok(
            .init(body: .applicationFhirJson(try Self.fhir(.diagnosticReport(FHIRDiagnosticReport(result: result))))))
    }

    func fhirReadLocation(_ input: Operations.FhirReadLocation.Input) async throws -> Operations.FhirReadLocation.Output
    {
        let setup = try await services.setup.clinicSetup(
            id: try FHIRParameters.id(input.path.id, "clinic"), actor: RequestScope.actor())
        let location = FHIRLocation(clinic: setup.clinic, phone: publishing.bookingPhone)
        return .ok(.init(body: .applicationFhirJson(try Self.fhir(.location(location)))))
    }

    /// The planned levels of the procedures among `appointments`, by referral (one read).
    private func plannedLevels(_ appointments: [Appointment], actor: Actor) async throws
        -> [ReferralID: [VertebralLevel]]
    {
        let procedures = Set(appointments.filter { $0.kind == .procedure }.map(\.referralID))
        return try await services.evaluations.plannedLevels(referralIDs: Array(procedures), actor: actor)
    }

    /// The clinic and visit kind a schedule id names, within the actor's reach.
    private func schedule(_ reference: String, parameter: String?) async throws -> (Clinic, VisitKind) {
        var id = Substring(reference)
        if let slash = reference.range(of: "Schedule/", options: .backwards) { id = reference[slash.upperBound...] }
        guard let (clinicID, kind) = FHIRIDs.parseSchedule(String(id)), Self.publishedKinds.contains(kind) else {
            if let parameter {
                throw APIProblem.validation("/\(parameter)", "must be a schedule id from Schedule search")
            }
            throw ServiceError.notFound(entity: "schedule")
        }
        do {
            let setup = try await services.setup.clinicSetup(id: clinicID, actor: RequestScope.actor())
            return (setup.clinic, kind)
        } catch ServiceError.notFound where parameter != nil {
            throw ServiceError.unknownReference(pointer: "/\(parameter!)", entity: "schedule")
        }
    }
}

extension APIHandler {
    /// The kinds of visit published as schedules: evaluations and procedures (follow-ups are
    /// booked by the clinic itself after a procedure).
    static let publishedKinds: [VisitKind] = [.evaluation, .procedure]

    /// FHIR's ServiceRequest statuses and the referral states each covers.
    static let referralStates: [String: [ReferralStatus]] = {
        var table: [String: [ReferralStatus]] = [:]
        for status in ReferralStatus.allCases { table[FHIRServiceRequest.status(status), default: []].append(status) }
        return table
    }()

    /// FHIR's priorities and the urgency each is; asap is none of ours.
    static let urgencies: [String: Urgency?] = {
        var table: [String: Urgency?] = ["asap": .none]
        for urgency in Urgency.allCases { table[FHIRServiceRequest.priority(urgency)] = urgency }
        return table
    }()

    /// FHIR's appointment statuses and the states each covers.
    static let appointmentStates: [String: [AppointmentState]] = {
        var table: [String: [AppointmentState]] = [:]
        for state in AppointmentState.allCases { table[FHIRAppointment.status(state), default: []].append(state) }
        return table
    }()

    static var fhirBase: String { RequestScope.fhirBase ?? "http://localhost/fhir/r4" }

    /// Where each field of the referral draft came from in the ServiceRequest, so a refusal
    /// names the element the sender wrote.
    static let draftElements: [String: String] = [
        "/clinicId": "ServiceRequest.locationReference[0].reference",
        "/patient": "ServiceRequest.subject",
        "/patient/mrn": "Patient.identifier",
        "/patient/givenName": "Patient.name.given",
        "/patient/familyName": "Patient.name.family",
        "/patient/birthDate": "Patient.birthDate",
        "/patient/sex": "Patient.gender",
        "/referringClinician": "ServiceRequest.requester",
        "/referringClinician/name": "ServiceRequest.requester.display",
        "/referringClinician/npi": "ServiceRequest.requester.identifier",
        "/reason": "ServiceRequest.reasonCode",
        "/symptomOnset": "ServiceRequest.extension",
        "/imagingResultIds": "ServiceRequest.supportingInfo",
        "/payer": "ServiceRequest.insurance",
    ]

    /// A refusal of the referral service with its pointers said as FHIRPath expressions.
    static func inFHIRTerms(_ error: ServiceError) -> ServiceError {
        func element(_ pointer: String) -> String {
            if let exact = draftElements[pointer] { return exact }
            // `/imagingResultIds/2` and the like: the list's element.
            let parent = pointer.split(separator: "/").prefix(1).map { "/" + $0 }.first ?? pointer
            return draftElements[parent] ?? "ServiceRequest"
        }
        switch error {
        case .invalid(let validation):
            return .invalid(
                ValidationError(
                    validation.violations.map { FieldViolation(pointer: element($0.pointer), message: $0.message) }))
        case .unknownReference(let pointer, let entity):
            return .unknownReference(pointer: element(pointer), entity: entity)
        default:
            return error
        }
    }

    /// A value written as FHIR JSON, as the generated layer carries it (its schema only names
    /// `resourceType`; the rest passes through as it was written).
    static func generated<Value: Decodable>(_ value: some Encodable, as type: Value.Type = Value.self) throws -> Value {
        try JSONDecoder().decode(type, from: Data(FHIRJSON.encode(value)))
    }

    static func fhir(_ resource: FHIRResource) throws -> Components.Schemas.FhirResource { try generated(resource) }

    static func bundle(_ entries: [FHIRResource], next: String?) throws -> Components.Schemas.FhirResource {
        let bundle = FHIRBundle.searchset(
            entries: entries, fullURLBase: fhirBase, selfURL: fhirBase + (RequestScope.fhirSelf ?? ""), nextURL: next,
            total: nil)
        return try generated(bundle)
    }

    /// The same search as this request's, continued at a sealed cursor.
    static func nextLink(cursor: String) -> String {
        let search = RequestScope.fhirSearch
        let items =
            (search?.parameters ?? []).filter { $0.name != "_cursor" }.map {
                URLQueryItem(name: $0.name, value: $0.value)
            }
            + [URLQueryItem(name: "_cursor", value: cursor)]
        let type = search?.path.split(separator: "/").last.map(String.init) ?? ""
        return link(type, items)
    }

    static func link(_ type: String, _ items: [URLQueryItem]) -> String {
        // Everything but unreserved characters encoded: `+` in an offset is a space to form
        // decoders, and `&` or `=` inside a value would split it.
        var unreserved = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        unreserved.insert(charactersIn: "-._~:/")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
        let query = items.map { encoded($0.name) + "=" + encoded($0.value ?? "") }.joined(separator: "&")
        return fhirBase + "/" + type + (query.isEmpty ? "" : "?" + query)
    }
}
