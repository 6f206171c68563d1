import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/reports`.
extension APIHandler {
    func getNightlyReport(_ input: Operations.GetNightlyReport.Input) async throws -> Operations.GetNightlyReport.Output {
        let recorded = try await services.reports.nightly(clinicID: input.query.clinicId, date: input.query.date, actor: RequestScope.actor())
        // The report's own JSON is the contract's schema field for field (the CLI's --format json
        // prints it too), so it is carried across as JSON rather than copied member by member; a
        // drift between the two fails decoding in the API tests.
        let json = try recorded.report.json()
        let body = try NightlyReport.decoder().decode(Components.Schemas.NightlyReport.self, from: json)
        return .ok(.init(body: .json(body)))
    }
}
