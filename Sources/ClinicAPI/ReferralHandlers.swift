import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/referrals`.
extension APIHandler {
    func createReferral(_ input: Operations.CreateReferral.Input) async throws -> Operations.CreateReferral.Output {
        guard case .json(let body) = input.body else { throw APIProblem.validation("", "send the referral as application/json") }
        let draft = ReferralDraft(
            clinicID: body.clinicId,
            patient: .init(mrn: body.patient.mrn, givenName: body.patient.givenName, familyName: body.patient.familyName,
                           birthDate: body.patient.birthDate,
                           sex: body.patient.sex.flatMap { AdministrativeSex(rawValue: $0.rawValue) } ?? .unknown),
            referringClinicianName: body.referringClinician.name, referringClinicianNPI: body.referringClinician.npi,
            reason: body.reason, symptomOnset: body.symptomOnset)
        let created = try await services.referrals.create(draft, idempotencyKey: input.headers.idempotencyKey,
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
        let referral = try await services.referrals.referral(id: input.path.id, actor: RequestScope.actor())
        return .ok(.init(headers: .init(eTag: ETag.make(referral.version)), body: .json(.init(referral))))
    }

    func listReferrals(_ input: Operations.ListReferrals.Input) async throws -> Operations.ListReferrals.Output {
        let query = input.query
        let page = try await services.referrals.list(status: query.status?.rawValue, clinicID: query.clinicId,
                                                     limit: query.limit, cursor: query.cursor, actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Referral.init),
                                           nextCursor: page.next?.token))))
    }
}

/// Entity tags are the row's version, quoted as a strong tag.
enum ETag {
    static func make(_ version: Int) -> String { "\"\(version)\"" }
}

extension Components.Schemas.Referral {
    init(_ referral: Referral) {
        let patient = referral.patient
        self.init(
            id: referral.id.description, clinicId: referral.clinicID.description,
            patient: .init(id: patient.id.description, mrn: patient.details.mrn.value,
                           givenName: patient.details.givenName.value, familyName: patient.details.familyName.value,
                           birthDate: patient.details.birthDate.description,
                           sex: Components.Schemas.Sex(rawValue: patient.details.sex.rawValue) ?? .unknown),
            referringClinician: .init(name: referral.referringClinician.name.value, npi: referral.referringClinician.npi),
            reason: referral.reason.value, symptomOnset: referral.symptomOnset?.description,
            status: Components.Schemas.ReferralStatus(rawValue: referral.status.code) ?? .received,
            version: referral.version, createdAt: referral.createdAt, updatedAt: referral.updatedAt)
    }
}
