import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/imaging-results`.
extension APIHandler {
    func createImagingResult(_ input: Operations.CreateImagingResult.Input) async throws
        -> Operations.CreateImagingResult.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the result as application/json")
        }
        let draft = ImagingResultDraft(
            clinicID: body.clinicId, sourceSystem: body.sourceSystem, accessionNumber: body.accessionNumber,
            status: ResultStatus(rawValue: body.resultStatus.rawValue) ?? .preliminary,
            modality: Modality(rawValue: body.modality.rawValue) ?? .xRay, performedAt: body.performedAt,
            patient: .init(body.patient), impression: body.impression,
            findings: body.findings.map { finding in
                .init(
                    level: finding.level, heightLossPercent: finding.heightLossPercent,
                    morphology: finding.morphology.flatMap { FractureMorphology(rawValue: $0.rawValue) },
                    edema: EdemaFinding(rawValue: finding.edema.rawValue) ?? .unknown,
                    retropulsion: finding.retropulsion ?? false,
                    suspectedMalignancy: finding.suspectedMalignancy ?? false,
                    suspectedInfection: finding.suspectedInfection ?? false)
            })
        let submitted = try await services.imaging.submit(draft, actor: RequestScope.actor())
        var dto = Components.Schemas.ImagingResult(submitted.result)
        let location = "/v1/imaging-results/\(submitted.result.id)"
        switch submitted.submission {
        case .created:
            dto.disposition = .created
            return .created(.init(headers: .init(location: location), body: .json(dto)))
        case .replayed:
            dto.disposition = .replayed
        case .revised(_, let retriaged):
            dto.disposition = .revised
            dto.retriagedReferralIds = retriaged.map(\.description)
        }
        return .ok(.init(headers: .init(location: location), body: .json(dto)))
    }

    func getImagingResult(_ input: Operations.GetImagingResult.Input) async throws -> Operations.GetImagingResult.Output
    {
        let result = try await services.imaging.result(
            id: try ImagingResultID(input.path.id, at: "/id"), revision: input.query.revision,
            actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(result))))
    }
}

extension Components.Schemas.ImagingResult {
    init(_ result: ImagingResult) {
        self.init(
            id: result.id.description, clinicId: result.clinicID.description, patient: .init(result.patient),
            sourceSystem: result.sourceSystem, accessionNumber: result.accessionNumber,
            resultStatus: .init(rawValue: result.status.rawValue) ?? .final,
            modality: .init(rawValue: result.modality.rawValue) ?? .xr,
            performedAt: result.performedAt, impression: result.impression,
            findings: result.findings.map { finding in
                .init(
                    level: finding.level.description, heightLossPercent: finding.heightLossPercent,
                    genantGrade: finding.genantGrade.rawValue,
                    morphology: finding.morphology.flatMap { .init(rawValue: $0.rawValue) },
                    edema: .init(rawValue: finding.edema.rawValue) ?? .unknown,
                    acuity: .init(rawValue: finding.acuity(on: result.modality).rawValue) ?? .unknown,
                    retropulsion: finding.retropulsion, suspectedMalignancy: finding.suspectedMalignancy,
                    suspectedInfection: finding.suspectedInfection)
            },
            revision: result.revision, receivedAt: result.receivedAt)
    }
}
