import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/availability` and `/v1/appointments`.
extension APIHandler {
    func getAvailability(_ input: Operations.GetAvailability.Input) async throws -> Operations.GetAvailability.Output {
        let query = input.query
        let offered = try await services.scheduling.availability(
            referralID: try ReferralID(query.referralId, at: "/referralId"),
            kind: VisitKind(rawValue: query.kind.rawValue) ?? .evaluation,
            from: query.from, to: query.to, limit: query.limit,
            resourceIDs: try ResourceID.list((query.resourceId ?? []).atMost(5, at: "/resourceId"), at: "/resourceId"),
            actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: offered.map { offer in
                            .init(
                                start: offer.slot.start, end: offer.slot.end,
                                resources: offer.resources.map(Components.Schemas.ResourceRef.init),
                                beforeWindowCloses: offer.beforeWindowCloses,
                                withinEvaluationTarget: offer.withinEvaluationTarget)
                        }))))
    }

    func createAppointment(_ input: Operations.CreateAppointment.Input) async throws
        -> Operations.CreateAppointment.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the booking as application/json")
        }
        let (appointment, replayed) = try await services.scheduling.book(
            referralID: try ReferralID(body.referralId, at: "/referralId"),
            kind: VisitKind(rawValue: body.kind.rawValue) ?? .evaluation, start: body.start,
            resourceIDs: try body.resourceIds.map { try ResourceID.list($0, at: "/resourceIds") },
            idempotencyKey: input.headers.idempotencyKey, overbookReason: body.overbook?.reason,
            hold: body.hold ?? false, actor: RequestScope.actor())
        let location = "/v1/appointments/\(appointment.id)"
        if replayed { return .ok(.init(headers: .init(location: location), body: .json(.init(appointment)))) }
        return .created(.init(headers: .init(location: location), body: .json(.init(appointment))))
    }

    func getAppointment(_ input: Operations.GetAppointment.Input) async throws -> Operations.GetAppointment.Output {
        .ok(
            .init(
                body: .json(
                    .init(
                        try await services.scheduling.appointment(
                            id: try AppointmentID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }

    func cancelAppointment(_ input: Operations.CancelAppointment.Input) async throws
        -> Operations.CancelAppointment.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the reason as application/json")
        }
        let appointment = try await services.waitlist.cancel(
            appointmentID: try AppointmentID(input.path.id, at: "/id"), reason: body.reason, actor: RequestScope.actor()
        )
        return .ok(.init(body: .json(.init(appointment))))
    }
}

extension APIHandler {
    func checkInAppointment(_ input: Operations.CheckInAppointment.Input) async throws
        -> Operations.CheckInAppointment.Output
    {
        .ok(
            .init(
                body: .json(
                    .init(
                        try await services.scheduling.checkIn(
                            appointmentID: try AppointmentID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }

    func markNoShow(_ input: Operations.MarkNoShow.Input) async throws -> Operations.MarkNoShow.Output {
        .ok(
            .init(
                body: .json(
                    .init(
                        try await services.scheduling.noShow(
                            appointmentID: try AppointmentID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }

    func completeAppointment(_ input: Operations.CompleteAppointment.Input) async throws
        -> Operations.CompleteAppointment.Output
    {
        let (appointment, followUp) = try await services.scheduling.complete(
            appointmentID: try AppointmentID(input.path.id, at: "/id"), actor: RequestScope.actor())
        var dto = Components.Schemas.Appointment(appointment)
        if appointment.kind == .procedure {
            dto.proposedFollowUp = followUp.map {
                .init(
                    start: $0.slot.start, end: $0.slot.end,
                    resources: $0.resources.map(Components.Schemas.ResourceRef.init))
            }
        }
        return .ok(.init(body: .json(dto)))
    }

    func rescheduleAppointment(_ input: Operations.RescheduleAppointment.Input) async throws
        -> Operations.RescheduleAppointment.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the new time as application/json")
        }
        let appointment = try await services.scheduling.reschedule(
            appointmentID: try AppointmentID(input.path.id, at: "/id"), start: body.start,
            resourceIDs: try body.resourceIds.map { try ResourceID.list($0, at: "/resourceIds") },
            actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(appointment))))
    }
}

extension APIHandler {
    func getDaySheet(_ input: Operations.GetDaySheet.Input) async throws -> Operations.GetDaySheet.Output {
        let (clinic, day, entries) = try await services.scheduling.daySheet(
            clinicID: try ClinicID(input.query.clinicId, at: "/clinicId"),
            day: try LocalDate(input.query.date, at: "/date"),
            actor: RequestScope.actor(), audit: services.audit)
        func lanes(_ kinds: Set<ResourceKind>) -> [(Resource, [DaySheetEntry])] {
            var order: [Resource] = []
            var byResource: [ResourceID: [DaySheetEntry]] = [:]
            for entry in entries {
                for resource in entry.appointment.resources where kinds.contains(resource.kind) {
                    if byResource[resource.id] == nil { order.append(resource) }
                    byResource[resource.id, default: []].append(entry)
                }
            }
            return order.map { ($0, byResource[$0.id] ?? []) }
        }
        func dto(_ entry: DaySheetEntry) -> Components.Schemas.DaySheetEntry {
            let a = entry.appointment
            let checks = entry.plan.map { plan in
                plan.labs.map {
                    "\($0.name) \($0.value.map { String($0) } ?? "not recorded") (needs \($0.threshold)): \($0.outcome.rawValue)"
                }
                    + plan.holds.map(\.instruction)
            }
            return .init(
                appointmentId: a.id.description, referralId: a.referralID.description,
                kind: .init(rawValue: a.kind.rawValue) ?? .evaluation,
                state: .init(rawValue: a.state.rawValue) ?? .booked, start: a.start, end: a.end,
                overbooked: a.overbookReason != nil,
                patient: .init(
                    id: entry.patient.id.description, mrn: entry.patient.details.mrn.value,
                    name: "\(entry.patient.details.familyName.value), \(entry.patient.details.givenName.value)"),
                levels: entry.plan?.levels.map(\.description),
                anesthesia: entry.plan.flatMap { .init(rawValue: $0.anesthesia.rawValue) }, checks: checks,
                openItems: entry.openItems.map(\.detail))
        }
        let rooms = lanes([.procedureRoom, .consultRoom]).map { resource, list in
            Components.Schemas.DaySheet.RoomsPayloadPayload(resource: .init(resource), entries: list.map(dto))
        }
        let clinicians = lanes([.proceduralist, .evaluator, .anesthesia]).map { resource, list in
            Components.Schemas.DaySheet.CliniciansPayloadPayload(resource: .init(resource), entries: list.map(dto))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        clinicId: clinic.clinic.id.description, date: day.description,
                        timeZone: clinic.clinic.timeZone.identifier, rooms: rooms, clinicians: clinicians))))
    }
}

extension APIHandler {
    func confirmAppointment(_ input: Operations.ConfirmAppointment.Input) async throws
        -> Operations.ConfirmAppointment.Output
    {
        .ok(
            .init(
                body: .json(
                    .init(
                        try await services.scheduling.confirm(
                            appointmentID: try AppointmentID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }

    func recordConsent(_ input: Operations.RecordConsent.Input) async throws -> Operations.RecordConsent.Output {
        .ok(
            .init(
                body: .json(
                    .init(
                        try await services.scheduling.recordConsent(
                            appointmentID: try AppointmentID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }

    func recordPriorAuthorization(_ input: Operations.RecordPriorAuthorization.Input) async throws
        -> Operations.RecordPriorAuthorization.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the authorization as application/json")
        }
        try await services.scheduling.recordPriorAuthorization(
            referralID: try ReferralID(input.path.id, at: "/id"), number: body.number, actor: RequestScope.actor())
        return .noContent(.init())
    }
}

/// `/v1/waitlist`.
extension APIHandler {
    func getWaitlist(_ input: Operations.GetWaitlist.Input) async throws -> Operations.GetWaitlist.Output {
        let (candidates, offers) = try await services.waitlist.waitlist(
            clinicID: try ClinicID(input.query.clinicId, at: "/clinicId"), actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        candidates: candidates.map { referral in
                            .init(
                                referralId: referral.id.description,
                                patientName:
                                    "\(referral.patient.details.familyName.value), \(referral.patient.details.givenName.value)",
                                urgency: referral.urgency.flatMap { .init(rawValue: $0.rawValue) },
                                windowClosesOn: referral.windowClosesOn?.description)
                        },
                        offers: offers.map(Components.Schemas.WaitlistOffer.init)))))
    }

    func acceptOffer(_ input: Operations.AcceptOffer.Input) async throws -> Operations.AcceptOffer.Output {
        let (offer, _) = try await services.waitlist.accept(
            offerID: try OfferID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(offer))))
    }

    func declineOffer(_ input: Operations.DeclineOffer.Input) async throws -> Operations.DeclineOffer.Output {
        .ok(
            .init(
                body: .json(
                    .init(
                        try await services.waitlist.decline(
                            offerID: try OfferID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }
}

extension Components.Schemas.WaitlistOffer {
    init(_ offer: ClinicServices.WaitlistOffer) {
        self.init(
            id: offer.id.description, referralId: offer.referralID.description, start: offer.start, end: offer.end,
            resources: offer.resources.map(Components.Schemas.ResourceRef.init),
            state: .init(rawValue: offer.state.rawValue) ?? .expired, expiresAt: offer.expiresAt,
            appointmentId: offer.appointmentID?.description)
    }
}

extension Components.Schemas.ResourceRef {
    init(_ resource: Resource) {
        self.init(
            id: resource.id.description, kind: .init(rawValue: resource.kind.rawValue) ?? .consultRoom,
            name: resource.name.value)
    }
}

extension Components.Schemas.Appointment {
    init(_ appointment: Appointment) {
        self.init(
            id: appointment.id.description, referralId: appointment.referralID.description,
            clinicId: appointment.clinicID.description,
            kind: .init(rawValue: appointment.kind.rawValue) ?? .evaluation,
            state: .init(rawValue: appointment.state.rawValue) ?? .booked,
            start: appointment.start, end: appointment.end,
            resources: appointment.resources.map(Components.Schemas.ResourceRef.init),
            holdExpiresAt: appointment.holdExpiresAt, cancelReason: appointment.cancelReason,
            overbookReason: appointment.overbookReason, consentRecorded: appointment.consentRecorded,
            version: appointment.version)
    }
}
