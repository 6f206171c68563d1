import ClinicAPI
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The application exactly as `clinic serve` builds it, on a fresh database, driven in-process.
func withApp(
    api: (@Sendable (TestDatabase) throws -> APIServices)? = nil, requestTimeout: Duration = .seconds(60),
    _ body: @escaping @Sendable (any TestClientProtocol, TestDatabase) async throws -> Void
) async throws {
    // Each statement may run as long as the request, as `clinic serve` sets it (but never less
    // than the fixtures' statements need, which share the pool: the deadline test uses 1 ms).
    try await withTestDatabase(statementTimeout: max(requestTimeout, .seconds(15))) { db in
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        let services = try api?(db) ?? APIServices.postgres(db.database)
        // The whole suite runs at once on two cores: a request can take longer than production's
        // 10 s deadline, and a fresh pool's first query longer than `/ready`'s second. The fault
        // tests check both limits on the real server; here they only must not fail a slow test.
        let app = try buildApplication(
            configuration: .init(port: 0, requestTimeout: requestTimeout, readinessTimeout: .seconds(20)),
            api: services, logger: logger)
        try await app.test(.router) { client in try await body(client, db) }
    }
}

/// A response's body as JSON.
struct JSONBody {
    let object: [String: Any]

    /// Parses the body; a body that is not a JSON object is recorded as a test failure.
    init(_ response: TestResponse) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]
        else {
            Issue.record("body is not a JSON object: \(String(buffer: response.body))")
            self.object = [:]
            return
        }
        self.object = object
    }

    subscript(_ key: String) -> Any? { object[key] }
    var string: (String) -> String? { { self.object[$0] as? String } }

    /// The `pointer`s of a validation problem.
    var pointers: [String] { (object["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [] }
}

extension HTTPFields {
    static func bearer(_ token: String, json: Bool = true) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}

extension ByteBuffer {
    init(json: String) { self.init(string: json) }
}

extension TestClientProtocol {
    /// POSTs the L1 wedge example and hands the response to `check`.
    @discardableResult
    func createReferral<R>(
        token: String, clinicID: ClinicID, mrn: String = "MRN-0001", key: String? = nil,
        _ check: (TestResponse) async throws -> R
    ) async throws -> R {
        var headers = HTTPFields.bearer(token)
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        let response = try await execute(
            uri: "/v1/referrals", method: .post, headers: headers,
            body: ByteBuffer(json: Fixtures.l1WedgeJSON(clinicID: clinicID, mrn: mrn)))
        return try await check(response)
    }
}

/// Imaging messages as a radiology interface sends them.
enum ImagingJSON {
    /// An MRI of the 68-year-old: L1 wedge, 30% height loss, STIR edema; extra findings appended.
    static func mri(
        clinicID: ClinicID, accession: String = "MR-2026-1101", status: String = "final",
        performedAt: String = "2026-11-20T15:30:00-07:00", mrn: String = "MRN-0001",
        findings: String = #"{"level":"L1","heightLossPercent":30,"morphology":"wedge","edema":"present"}"#,
        modality: String = "MR"
    ) -> String {
        """
        {"clinicId":"\(clinicID)","sourceSystem":"desert-ris","accessionNumber":"\(accession)","resultStatus":"\(status)",
         "modality":"\(modality)","performedAt":"\(performedAt)",
         "patient":{"mrn":"\(mrn)","givenName":"Eleanor","familyName":"Whitfield","birthDate":"1958-03-14","sex":"female"},
         "impression":"Acute L1 compression fracture.","findings":[\(findings)]}
        """
    }
}

extension TestClientProtocol {
    /// POSTs an imaging message and hands the response to `check`.
    @discardableResult
    func postImaging<R>(token: String, _ json: String, _ check: (TestResponse) async throws -> R) async throws -> R {
        let response = try await execute(
            uri: "/v1/imaging-results", method: .post, headers: .bearer(token), body: ByteBuffer(json: json))
        return try await check(response)
    }

    /// POSTs a referral body and hands the response to `check`.
    @discardableResult
    func postReferral<R>(token: String, _ json: String, _ check: (TestResponse) async throws -> R) async throws -> R {
        let response = try await execute(
            uri: "/v1/referrals", method: .post, headers: .bearer(token), body: ByteBuffer(json: json))
        return try await check(response)
    }
}

/// POSTs a JSON body and returns the status code and the parsed answer.
func post(_ client: any TestClientProtocol, _ token: String, _ uri: String, _ body: String = "{}") async throws -> (
    Int, JSONBody
) {
    try await client.execute(uri: uri, method: .post, headers: .bearer(token), body: ByteBuffer(json: body)) {
        ($0.status.code, JSONBody($0))
    }
}

/// An instant as the tests send it (RFC 3339, seconds, UTC).
func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

/// An MRI with an acute L1 wedge fracture, the referral made from it (urgent when `urgent`: long-term
/// steroids), and the outpatient vignette recorded as a candidate under `anesthesia`: ready for a
/// procedure booking. Returns the referral's id.
func candidateReferral(
    _ client: any TestClientProtocol, _ db: TestDatabase, _ clinic: Clinic, mrn: String = "MRN-0001",
    urgent: Bool = false, anesthesia: String = "local_with_sedation"
) async throws -> String {
    let pacs = try await Fixtures(db).token(.intake)
    let clinician = try await Fixtures(db).token(.clinician)
    let result = try await client.postImaging(
        token: pacs, ImagingJSON.mri(clinicID: clinic.id, accession: "MR-\(mrn)", mrn: mrn)
    ) {
        JSONBody($0).string("id")!
    }
    let referral = try await client.postReferral(
        token: pacs,
        """
        {"imagingResultIds":["\(result)"],"referringClinician":{"name":"Dr. Ortiz"},"reason":"Painful L1 fracture"\(urgent ? #","clinicalFlags":{"longTermSteroids":true}"# : "")}
        """
    ) { JSONBody($0).string("id")! }
    let (evaluated, _) = try await post(
        client, clinician, "/v1/referrals/\(referral)/evaluations",
        EvaluationFlowTests.vignette(decision: #"{"outcome":"candidate"}"#, anesthesia: anesthesia))
    #expect(evaluated == 201)
    return referral
}
