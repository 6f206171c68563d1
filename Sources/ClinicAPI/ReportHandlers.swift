import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/reports`.
extension APIHandler {
    func getNightlyReport(_ input: Operations.GetNightlyReport.Input) async throws -> Operations.GetNightlyReport.Output
    {
        let clinicID = try input.query.clinicId.map { try ClinicID($0, at: "/clinicId") }
        let day = try Self.reportDay(input.query.date)
        let recorded = try await services.reports.nightly(clinicID: clinicID, day: day, actor: RequestScope.actor())
        // The report's own JSON is the contract's schema field for field (the CLI's --format json
        // prints it too), so it is carried across as JSON rather than copied member by member; a
        // drift between the two fails decoding in the API tests.
        let json = try recorded.report.json()
        let body = try NightlyReport.decoder().decode(Components.Schemas.NightlyReport.self, from: json)
        return .ok(.init(body: .json(body)))
    }

    func getNetworkReport(_ input: Operations.GetNetworkReport.Input) async throws -> Operations.GetNetworkReport.Output
    {
        let report = try await services.reports.network(
            day: try Self.reportDay(input.query.date), actor: RequestScope.actor())
        // Carried across as JSON, like the clinic report it is made of.
        let body = try NightlyReport.decoder().decode(Components.Schemas.NetworkReport.self, from: try report.json())
        return .ok(.init(body: .json(body)))
    }

    /// `YYYY-MM-DD`, `today` or `yesterday` (the default).
    private static func reportDay(_ text: String?) throws -> ReportDay {
        guard let text else { return .yesterday }
        guard let day = ReportDay(text: text) else {
            throw APIProblem.validation("/date", "must be a date as YYYY-MM-DD, or today or yesterday")
        }
        return day
    }
}
