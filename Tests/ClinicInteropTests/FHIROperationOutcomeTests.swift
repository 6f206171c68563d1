import ClinicInterop
import Foundation
import Testing

@Suite struct FHIROperationOutcomeTests {
    @Test func httpStatusesMapToIssueTypes() {
        let expected: [Int: FHIROperationOutcome.IssueCode] = [
            400: .invalid, 401: .login, 403: .forbidden, 404: .notFound, 405: .notSupported, 406: .notSupported,
            409: .conflict, 412: .conflict, 413: .tooCostly, 415: .notSupported, 422: .processing, 428: .processing,
            429: .throttled, 500: .exception, 503: .transient, 418: .invalid, 502: .exception,
        ]
        for (status, code) in expected {
            #expect(FHIROperationOutcome.issueCode(forHTTPStatus: status) == code, "\(status)")
        }
    }

    @Test func outcomeForStatusHasOneErrorIssueWithExpressions() throws {
        let outcome = FHIROperationOutcome.forHTTPStatus(
            400, detail: "The patient's birth date is required.", expressions: ["Patient.birthDate"])
        let json = try FHIRFixtures.json(outcome)
        #expect(json.string("resourceType") == "OperationOutcome")
        let issue = try #require(json.objects("issue").first)
        #expect(issue.string("severity") == "error")
        #expect(issue.string("code") == "invalid")
        #expect(issue.string("diagnostics") == "The patient's birth date is required.")
        #expect(issue["expression"] as? [String] == ["Patient.birthDate"])
    }

    @Test func noExpressionsLeavesExpressionOut() throws {
        let json = try FHIRFixtures.json(
            FHIROperationOutcome.forHTTPStatus(404, detail: "No such referral.", expressions: []))
        #expect(json.objects("issue").first?["expression"] == nil)
        #expect(json.objects("issue").first?.string("code") == "not-found")
    }

    @Test func emptyIssueListStillHasOneIssue() {
        #expect(FHIROperationOutcome(issues: []).issue.count == 1)
    }
}
