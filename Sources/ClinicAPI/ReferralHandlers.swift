import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/referrals` and its lifecycle operations.
extension APIHandler {
    func createReferral(_ input: Operations.CreateReferral.Input) async throws -> Operations.CreateReferral.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the referral as application/json")
        }
        let draft = ReferralDraft(
            clinicID: body.clinicId,
            patient: body.patient.map(ReferralDraft.PatientDraft.init),
            referringClinicianName: body.referringClinician.name, referringClinicianNPI: body.referringClinician.npi,
            reason: body.reason, symptomOnset: body.symptomOnset, imagingResultIDs: body.imagingResultIds ?? [],
            flags: ClinicalFlags(body.clinicalFlags), payer: body.payer)
        let created = try await services.referrals.create(
            draft, idempotencyKey: input.headers.idempotencyKey,
            actor: RequestScope.actor())
        let dto = Components.Schemas.Referral(created.referral)
        let location = "/v1/referrals/\(created.referral.id)"
        let etag = ETag.make(created.referral.version)
        if created.replayed {
            return .ok(.init(headers: .init(location: location, eTag: etag), body: .json(dto)))
        }
        return .created(.init(headers: .init(location: location, eTag: etag), body: .json(dto)))
    }

    func getReferral(_ input: Operations.GetReferral.Input) async throws -> Operations.GetReferral.Output {
        let referral = try await services.referrals.referral(
            id: try ReferralID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(headers: .init(eTag: ETag.make(referral.version)), body: .json(.init(referral))))
    }

    func listReferrals(_ input: Operations.ListReferrals.Input) async throws -> Operations.ListReferrals.Output {
        let query = input.query
        let request = ReferralService.ListRequest(
            // The generated enums are the document's lists; the domain's codes are the same strings.
            status: query.status.flatMap { ReferralStatus(code: $0.rawValue) },
            urgency: query.urgency.flatMap { Urgency(rawValue: $0.rawValue) },
            clinicID: try query.clinicId.map { try ClinicID($0, at: "/clinicId") },
            patientID: try query.patientId.map { try PatientID($0, at: "/patientId") },
            overdue: query.overdue, windowClosingWithinDays: query.windowClosingWithinDays,
            createdFrom: query.createdFrom,
            createdBefore: query.createdBefore, limit: query.limit, after: try cursors.referralCursor(query.cursor))
        let page = try await services.referrals.list(request, actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.Referral.init),
                        nextCursor: page.next.map(cursors.token)))))
    }

    func updateReferral(_ input: Operations.UpdateReferral.Input) async throws -> Operations.UpdateReferral.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the changes as application/json")
        }
        // A missing If-Match never reaches here: the runtime refuses it, and APIProblem maps that to 428.
        let header = input.headers.ifMatch
        let patch = ReferralPatch(
            reason: body.reason, referringClinicianName: body.referringClinician?.name,
            referringClinicianNPI: body.referringClinician?.npi, symptomOnset: body.symptomOnset,
            flags: body.clinicalFlags.map { ClinicalFlags($0) }, payer: body.payer)
        let referral = try await services.referrals.update(
            referralID: try ReferralID(input.path.id, at: "/id"), patch: patch,
            expectedVersion: try ETag.version(header), actor: RequestScope.actor())
        return .ok(.init(headers: .init(eTag: ETag.make(referral.version)), body: .json(.init(referral))))
    }

    func listReferralEvents(_ input: Operations.ListReferralEvents.Input) async throws
        -> Operations.ListReferralEvents.Output
    {
        let events = try await services.referrals.events(
            referralID: try ReferralID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(items: events.map(Components.Schemas.ReferralEvent.init)))))
    }

    func cancelReferral(_ input: Operations.CancelReferral.Input) async throws -> Operations.CancelReferral.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the reason as application/json")
        }
        let referral = try await services.waitlist.cancelReferral(
            referralID: try ReferralID(input.path.id, at: "/id"), reason: body.reason,
            expectedVersion: try input.headers.ifMatch.map(ETag.version),
            actor: RequestScope.actor())
        return .ok(.init(headers: .init(eTag: ETag.make(referral.version)), body: .json(.init(referral))))
    }

    func setReferralUrgency(_ input: Operations.SetReferralUrgency.Input) async throws
        -> Operations.SetReferralUrgency.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the urgency as application/json")
        }
        let urgency = Urgency(rawValue: body.urgency.rawValue) ?? .routine
        let referral = try await services.referrals.overrideUrgency(
            referralID: try ReferralID(input.path.id, at: "/id"), urgency: urgency, reason: body.reason,
            expectedVersion: try input.headers.ifMatch.map(ETag.version),
            actor: RequestScope.actor())
        return .ok(.init(headers: .init(eTag: ETag.make(referral.version)), body: .json(.init(referral))))
    }
}

/// Entity tags are the row's version, quoted as a strong tag.
enum ETag {
    static func make(_ version: Int) -> String { "\"\(version)\"" }

    /// The version an If-Match names: `"3"` (also `W/"3"` and a bare `3`, as clients send them).
    static func version(_ header: String) throws -> Int {
        var text = header.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let version = Int(text), version >= 1 else {
            throw APIProblem.validation("/If-Match", "must be the referral's ETag, such as \"3\"")
        }
        return version
    }
}

extension ReferralDraft.PatientDraft {
    init(_ dto: Components.Schemas.PatientInput) {
        self.init(
            mrn: dto.mrn, givenName: dto.givenName, familyName: dto.familyName, birthDate: dto.birthDate,
            sex: dto.sex.flatMap { AdministrativeSex(rawValue: $0.rawValue) } ?? .unknown)
    }
}

extension ClinicalFlags {
    init(_ dto: Components.Schemas.ClinicalFlags?) {
        self.init(
            neurologicalDeficit: dto?.neurologicalDeficit ?? false, cancerHistory: dto?.cancerHistory ?? false,
            longTermSteroids: dto?.longTermSteroids ?? false, knownOsteoporosis: dto?.knownOsteoporosis ?? false,
            severePain: dto?.severePain ?? false, hospitalised: dto?.hospitalised ?? false)
    }
}

extension Components.Schemas.Referral {
    init(_ referral: Referral) {
        let patient = referral.patient
        let flags = referral.flags
        self.init(
            id: referral.id.description, clinicId: referral.clinicID.description,
            patient: .init(patient),
            referringClinician: .init(
                name: referral.referringClinician.name.value, npi: referral.referringClinician.npi),
            reason: referral.reason.value, symptomOnset: referral.symptomOnset?.description,
            imagingResultIds: referral.imagingResultIDs.map(\.description),
            clinicalFlags: .init(
                neurologicalDeficit: flags.neurologicalDeficit, cancerHistory: flags.cancerHistory,
                longTermSteroids: flags.longTermSteroids, knownOsteoporosis: flags.knownOsteoporosis,
                severePain: flags.severePain, hospitalised: flags.hospitalised),
            payer: referral.payer,
            status: Components.Schemas.ReferralStatus(rawValue: referral.status.code) ?? .received,
            urgency: referral.urgency.flatMap { Components.Schemas.Urgency(rawValue: $0.rawValue) },
            urgencyReasons: referral.urgencyReasons.map { .init(code: $0.code, detail: $0.detail) },
            urgencyOverridden: referral.urgencyOverride != nil,
            evaluationDueOn: referral.evaluationDueOn?.description,
            windowClosesOn: referral.windowClosesOn?.description,
            cancelReason: referral.cancelReason,
            version: referral.version, createdAt: referral.createdAt, updatedAt: referral.updatedAt)
    }
}

extension Components.Schemas.Patient {
    init(_ patient: Patient) {
        self.init(
            id: patient.id.description, mrn: patient.details.mrn.value,
            givenName: patient.details.givenName.value, familyName: patient.details.familyName.value,
            birthDate: patient.details.birthDate.description,
            sex: Components.Schemas.Sex(rawValue: patient.details.sex.rawValue) ?? .unknown)
    }
}

extension Components.Schemas.ReferralEvent {
    init(_ event: ReferralEvent) {
        self.init(
            id: event.id, occurredAt: event.occurredAt, kind: event.kind,
            fromStatus: event.fromStatus.flatMap(Components.Schemas.ReferralStatus.init(rawValue:)),
            toStatus: Components.Schemas.ReferralStatus(rawValue: event.toStatus) ?? .received,
            actorName: event.actorName, actorRole: event.actorRole, reason: event.reason,
            urgency: event.urgency.flatMap { Components.Schemas.Urgency(rawValue: $0.rawValue) },
            previousUrgency: event.previousUrgency.flatMap { Components.Schemas.Urgency(rawValue: $0.rawValue) },
            reasons: event.reasons.isEmpty ? nil : event.reasons.map { .init(code: $0.code, detail: $0.detail) })
    }
}
