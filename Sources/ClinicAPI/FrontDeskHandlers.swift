import ClinicDomain
import ClinicServices
import Foundation

/// The front desk's reads: patients, their appointments and imaging, the clinics.
extension APIHandler {
    func searchPatients(_ input: Operations.SearchPatients.Input) async throws -> Operations.SearchPatients.Output {
        let query = input.query
        let cursor = try cursors.position(query.cursor, list: "patients") { PatientCursor(payload: $0) }
        let page = try await services.patients.search(
            mrn: query.mrn, familyName: query.familyName, birthDate: query.birthDate,
            clinicID: try query.clinicId.map { try ClinicID($0, at: "/clinicId") }, after: cursor,
            limit: query.limit ?? 50, actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.PatientSummary.init),
                        nextCursor: page.next.map { cursors.token(list: "patients", $0.payload) }))))
    }

    func getPatient(_ input: Operations.GetPatient.Input) async throws -> Operations.GetPatient.Output {
        let record = try await services.patients.record(
            id: try PatientID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        patient: .init(record.patient),
                        referrals: record.referrals.map(Components.Schemas.Referral.init),
                        appointments: record.appointments.map(Components.Schemas.Appointment.init),
                        imagingResultIds: record.imagingResultIDs.map(\.description)))))
    }

    func listImagingResults(_ input: Operations.ListImagingResults.Input) async throws
        -> Operations.ListImagingResults.Output
    {
        let query = input.query
        let cursor = try cursors.position(query.cursor, list: "imaging") { ImagingCursor(payload: $0) }
        let page = try await services.patients.imagingResults(
            patientID: try PatientID(query.patientId, at: "/patientId"), after: cursor, limit: query.limit ?? 50,
            actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.ImagingResult.init),
                        nextCursor: page.next.map { cursors.token(list: "imaging", $0.payload) }))))
    }

    func listAppointments(_ input: Operations.ListAppointments.Input) async throws -> Operations.ListAppointments.Output
    {
        let query = input.query
        var collector = ViolationCollector()
        let from = query.from.flatMap { text in collector.check("/from") { try LocalDate(iso8601: text) } }
        let to = query.to.flatMap { text in collector.check("/to") { try LocalDate(iso8601: text) } }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        if let from, let to, to < from { throw APIProblem.validation("/to", "must not be before from") }
        let cursor = try cursors.position(query.cursor, list: "appointments") { AppointmentCursor(payload: $0) }
        let states = try (query.state ?? []).atMost(7, at: "/state").compactMap {
            AppointmentState(rawValue: $0.rawValue)
        }
        let search = AppointmentQuery(
            dayFrom: from, dayBefore: to.map { $0.adding(days: 1) }, states: states.isEmpty ? nil : states,
            patientID: try query.patientId.map { try PatientID($0, at: "/patientId") },
            referralID: try query.referralId.map { try ReferralID($0, at: "/referralId") },
            clinicID: try query.clinicId.map { try ClinicID($0, at: "/clinicId") },
            kind: query.kind.flatMap { VisitKind(rawValue: $0.rawValue) }, limit: query.limit ?? 50, after: cursor)
        let page = try await services.scheduling.searchAppointments(
            search, limitPointer: "/limit", actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map { Components.Schemas.Appointment($0.appointment) },
                        nextCursor: page.next.map { cursors.token(list: "appointments", $0.payload) }))))
    }

    func listClinics(_ input: Operations.ListClinics.Input) async throws -> Operations.ListClinics.Output {
        let after = try cursors.position(input.query.cursor, list: "clinics") { ClinicListPosition(payload: $0) }
        let page = try await services.setup.clinicPage(
            after: after, limit: input.query.limit ?? 50, actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.Clinic.init),
                        nextCursor: page.next.map { cursors.token(list: "clinics", $0.payload) }))))
    }
}

extension Components.Schemas.PatientSummary {
    init(_ patient: Patient) {
        self.init(
            id: patient.id.description, clinicId: patient.clinicID.description, mrn: patient.details.mrn.value,
            givenName: patient.details.givenName.value, familyName: patient.details.familyName.value,
            birthDate: patient.details.birthDate.description,
            sex: Components.Schemas.Sex(rawValue: patient.details.sex.rawValue) ?? .unknown)
    }
}
