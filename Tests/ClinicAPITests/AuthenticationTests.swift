import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Bearer tokens and roles")
struct AuthenticationTests {
    @Test("no token is 401 with WWW-Authenticate, and nothing is written")
    func noToken() async throws {
        try await withApp { client, db in
            let clinic = try await Fixtures(db).clinic()
            try await client.execute(
                uri: "/v1/referrals", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(json: Fixtures.l1WedgeJSON(clinicID: clinic.id))
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(JSONBody(response).string("type") == "/problems/unauthorized")
            }
            #expect(try await db.count("referrals") == 0)
        }
    }

    @Test(
        "a malformed Authorization header or an unknown token is 401",
        arguments: ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer clin_notarealtoken", "Bearer ' OR 1=1 --", "clin_abc"])
    func badTokens(header: String) async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/v1/referrals", method: .get, headers: [.authorization: header]) {
                response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("a revoked token is refused from the next request on")
    func revokedToken() async throws {
        try await withApp { client, db in
            let tokens = TokenService(store: PostgresTokenStore(database: db.database))
            let (id, secret) = try await tokens.create(name: "PACS", role: .admin, scope: .network)
            try await client.execute(uri: "/v1/referrals", method: .get, headers: .bearer(secret, json: false)) {
                #expect($0.status == .ok)
            }
            try await tokens.revoke(id: id, at: Date())
            try await client.execute(uri: "/v1/referrals", method: .get, headers: .bearer(secret, json: false)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test("an expired token is refused")
    func expiredToken() async throws {
        try await withApp { client, db in
            let secret = try await Fixtures(db).token(.admin, expiresAt: Date().addingTimeInterval(-60))
            try await client.execute(uri: "/v1/referrals", method: .get, headers: .bearer(secret, json: false)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test("using a token records when it was last used")
    func lastUsedRecorded() async throws {
        try await withApp { client, db in
            let secret = try await Fixtures(db).token(.reporter, name: "nightly")
            #expect(try await db.count("api_tokens", where: "name = 'nightly' AND last_used_at IS NULL") == 1)
            try await client.execute(uri: "/v1/referrals", method: .get, headers: .bearer(secret, json: false)) {
                #expect($0.status == .ok)
            }
            #expect(try await db.count("api_tokens", where: "name = 'nightly' AND last_used_at IS NOT NULL") == 1)
        }
    }

    @Test("only the hash of a token is stored")
    func onlyHashStored() async throws {
        try await withTestDatabase { db in
            let secret = try await Fixtures(db).token(.admin, name: "hash-check")
            #expect(secret.hasPrefix("clin_") && secret.count >= 45)
            let rows = try await db.query("SELECT encode(token_hash, 'hex') FROM api_tokens WHERE name = 'hash-check'")
            let stored = try rows[0].decode(String.self)
            #expect(!stored.contains(secret) && stored.count == 64)
        }
    }

    @Test(
        "for every operation: no token is 401, and each role gets exactly what the matrix grants",
        arguments: Role.allCases)
    func matrixEnforced(role: Role) async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(role)
            let requests: [(operation: String, method: HTTPRequest.Method, uri: String, body: String?)] = [
                ("getMetrics", .get, "/metrics", nil),
                ("createReferral", .post, "/v1/referrals", Fixtures.l1WedgeJSON(clinicID: clinic.id)),
                ("listReferrals", .get, "/v1/referrals", nil),
                ("getReferral", .get, "/v1/referrals/\(UUID())", nil),
                ("listAuditEntries", .get, "/v1/audit?entityId=\(UUID())", nil),
                ("updateReferral", .patch, "/v1/referrals/\(UUID())", "{\"reason\":\"x\"}"),
                ("listReferralEvents", .get, "/v1/referrals/\(UUID())/events", nil),
                ("cancelReferral", .post, "/v1/referrals/\(UUID())/cancel", "{\"reason\":\"duplicate\"}"),
                (
                    "setReferralUrgency", .post, "/v1/referrals/\(UUID())/urgency",
                    "{\"urgency\":\"urgent\",\"reason\":\"x\"}"
                ),
                ("createImagingResult", .post, "/v1/imaging-results", "{}"),
                ("getImagingResult", .get, "/v1/imaging-results/\(UUID())", nil),
                ("createEvaluation", .post, "/v1/referrals/\(UUID())/evaluations", "{}"),
                ("listEvaluations", .get, "/v1/referrals/\(UUID())/evaluations", nil),
                (
                    "getPreProcedurePlan", .get, "/v1/referrals/\(UUID())/pre-procedure-plan?procedureDate=2026-12-03",
                    nil
                ),
                ("listCandidacyRuleSets", .get, "/v1/candidacy-rule-sets", nil),
                ("createCandidacyRuleSetVersion", .post, "/v1/candidacy-rule-sets", "{}"),
                ("createClinic", .post, "/v1/clinics", "{}"),
                ("getClinic", .get, "/v1/clinics/\(UUID())", nil),
                ("setVisitSettings", .put, "/v1/clinics/\(UUID())/visit-settings", "{}"),
                ("listResources", .get, "/v1/clinics/\(UUID())/resources", nil),
                ("createResource", .post, "/v1/clinics/\(UUID())/resources", "{}"),
                ("setAvailabilityTemplate", .put, "/v1/resources/\(UUID())/availability-template", "{}"),
                ("createBlock", .post, "/v1/resources/\(UUID())/blocks", "{}"),
                ("getAvailability", .get, "/v1/availability?referralId=\(UUID())&kind=evaluation", nil),
                ("createAppointment", .post, "/v1/appointments", "{}"),
                ("getAppointment", .get, "/v1/appointments/\(UUID())", nil),
                ("cancelAppointment", .post, "/v1/appointments/\(UUID())/cancel", "{\"reason\":\"x\"}"),
                ("checkInAppointment", .post, "/v1/appointments/\(UUID())/check-in", "{}"),
                ("markNoShow", .post, "/v1/appointments/\(UUID())/no-show", "{}"),
                ("completeAppointment", .post, "/v1/appointments/\(UUID())/complete", "{}"),
                ("confirmAppointment", .post, "/v1/appointments/\(UUID())/confirm", "{}"),
                ("recordConsent", .post, "/v1/appointments/\(UUID())/consent", "{}"),
                (
                    "recordPriorAuthorization", .post, "/v1/referrals/\(UUID())/prior-authorization",
                    "{\"number\":\"PA-1\"}"
                ),
                ("getWaitlist", .get, "/v1/waitlist?clinicId=\(UUID())", nil),
                ("getNightlyReport", .get, "/v1/reports/nightly?clinicId=\(UUID())", nil),
                ("getNetworkReport", .get, "/v1/reports/nightly/network", nil),
                ("acceptOffer", .post, "/v1/waitlist/offers/\(UUID())/accept", "{}"),
                ("declineOffer", .post, "/v1/waitlist/offers/\(UUID())/decline", "{}"),
                ("getDaySheet", .get, "/v1/schedule?clinicId=\(UUID())&date=2026-12-07", nil),
                (
                    "rescheduleAppointment", .post, "/v1/appointments/\(UUID())/reschedule",
                    "{\"start\":\"2030-01-07T14:00:00Z\"}"
                ),
                ("setClinicContact", .put, "/v1/clinics/\(UUID())/contact", "{}"),
                ("receiveHL7Result", .post, "/v1/hl7/oru", HL7Samples.mri(clinic: clinic.id.description)),
                ("fhirReadPatient", .get, "/fhir/r4/Patient/\(UUID())", nil),
                ("fhirSearchServiceRequests", .get, "/fhir/r4/ServiceRequest", nil),
                (
                    "fhirCreateServiceRequest", .post, "/fhir/r4/ServiceRequest",
                    FHIRSamples.serviceRequest(clinic: clinic.id)
                ),
                ("fhirReadServiceRequest", .get, "/fhir/r4/ServiceRequest/\(UUID())", nil),
                ("fhirSearchAppointments", .get, "/fhir/r4/Appointment", nil),
                ("fhirReadAppointment", .get, "/fhir/r4/Appointment/\(UUID())", nil),
                ("fhirSearchSchedules", .get, "/fhir/r4/Schedule", nil),
                ("fhirReadSchedule", .get, "/fhir/r4/Schedule/\(clinic.id)-procedure", nil),
                ("fhirSearchSlots", .get, "/fhir/r4/Slot?schedule=\(clinic.id)-procedure", nil),
                ("fhirReadDiagnosticReport", .get, "/fhir/r4/DiagnosticReport/\(UUID())", nil),
                ("fhirReadLocation", .get, "/fhir/r4/Location/\(clinic.id)", nil),
                ("listClinics", .get, "/v1/clinics", nil),
                ("listBlocks", .get, "/v1/resources/\(UUID())/blocks", nil),
                ("listAppointments", .get, "/v1/appointments?patientId=\(UUID())", nil),
                ("listImagingResults", .get, "/v1/imaging-results?patientId=\(UUID())", nil),
                ("searchPatients", .get, "/v1/patients?mrn=MRN-4471", nil),
                ("getPatient", .get, "/v1/patients/\(UUID())", nil),
                ("getAppointmentInstructions", .get, "/v1/appointments/\(UUID())/instructions", nil),
                ("listInstructionTemplates", .get, "/v1/clinics/\(clinic.id)/instruction-templates", nil),
                (
                    "setInstructionTemplate", .put, "/v1/clinics/\(clinic.id)/instruction-templates/aftercare/text",
                    "{\"body\":\"Call us.\"}"
                ),
                (
                    "resetInstructionTemplate", .delete,
                    "/v1/clinics/\(clinic.id)/instruction-templates/aftercare/text", nil
                ),
                ("getResource", .get, "/v1/resources/\(UUID())", nil),
                ("updateResource", .patch, "/v1/resources/\(UUID())", "{\"name\":\"Suite B\"}"),
                ("deleteBlock", .delete, "/v1/resources/\(UUID())/blocks/\(UUID())", nil),
                ("listChanges", .get, "/v1/changes", nil),
                ("createWebhook", .post, "/v1/webhooks", "{\"url\":\"http://127.0.0.1:9/hook\"}"),
                ("listWebhooks", .get, "/v1/webhooks", nil),
                ("getWebhook", .get, "/v1/webhooks/\(UUID())", nil),
                ("deleteWebhook", .delete, "/v1/webhooks/\(UUID())", nil),
                ("resumeWebhook", .post, "/v1/webhooks/\(UUID())/resume", nil),
                ("listWebhookDeliveries", .get, "/v1/webhooks/\(UUID())/deliveries", nil),
            ]
            #expect(
                Set(requests.map(\.operation))
                    == Set(PermissionMatrix.operations.filter { $0.access != .anonymous }.map(\.operationID)))
            for request in requests {
                // HL7 v2 is text; everything else is JSON.
                let type = request.uri.hasPrefix("/v1/hl7/") ? "application/hl7-v2" : "application/json"
                var anonymous: HTTPFields = [:]
                if request.body != nil { anonymous[.contentType] = type }
                var authenticated = HTTPFields.bearer(token, json: false)
                if request.body != nil { authenticated[.contentType] = type }
                try await client.execute(
                    uri: request.uri, method: request.method, headers: anonymous,
                    body: request.body.map { ByteBuffer(json: $0) }
                ) { response in
                    #expect(response.status == .unauthorized, "no token: \(request.operation)")
                }
                try await client.execute(
                    uri: request.uri, method: request.method, headers: authenticated,
                    body: request.body.map { ByteBuffer(json: $0) }
                ) { response in
                    if PermissionMatrix.allows(role, request.operation) {
                        #expect(
                            response.status != .forbidden && response.status != .unauthorized,
                            "\(role) \(request.operation)")
                        #expect(response.status.code < 500, "\(role) \(request.operation): \(response.status)")
                    } else {
                        #expect(response.status == .forbidden, "\(role) \(request.operation)")
                    }
                }
            }
        }
    }

    @Test("a refused call is audited as denied, and a reporter's POST creates nothing")
    func deniedIsAudited() async throws {
        try await withApp { client, db in
            let fixtures = Fixtures(db)
            let clinic = try await fixtures.clinic()
            let token = try await fixtures.token(.reporter, name: "dashboards")
            try await client.createReferral(token: token, clinicID: clinic.id) { #expect($0.status == .forbidden) }
            #expect(try await db.count("referrals") == 0)
            #expect(
                try await db.count(
                    "audit_log", where: "actor_name = 'dashboards' AND outcome = 'denied' AND action = 'createReferral'"
                ) == 1)
            #expect(try await db.count("audit_log", where: "outcome = 'success' AND action LIKE 'referral.%'") == 0)
        }
    }
}
