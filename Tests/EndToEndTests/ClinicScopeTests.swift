import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import PostgresNIO
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Two clinics on one installation, and a token of every role bound to the first: every operation
/// of the permission matrix is sent by each of them to the other clinic's entities, to ids that
/// do not exist, and to their own clinic; and by network-wide tokens to the other clinic. Through
/// the running server.
@Suite("Clinic scope through the running server", .serialized)
struct ClinicScopeTests {
    /// One clinic's entities as the probes name them, and what of it no other clinic may see.
    struct Site: Sendable {
        var clinic: ClinicID
        /// A candidate with a booked procedure.
        var referral: ReferralID
        var patient: PatientID
        var imaging: ImagingResultID
        var appointment: AppointmentID
        var offer: OfferID
        var resource: ResourceID
        /// A block on `resource`, and a webhook subscription for the clinic.
        var block: BlockID
        var webhook: WebhookID
        /// Ids, MRNs and names of this clinic, none of which may appear in an answer to another clinic's staff.
        var secrets: [String]

        /// The same shape with ids nobody has: what "does not exist" is answered with.
        func nowhere() -> Site {
            Site(
                clinic: .random(), referral: .random(), patient: .random(), imaging: .random(), appointment: .random(),
                offer: .random(), resource: .random(), block: .random(), webhook: .random(), secrets: [])
        }
    }

    /// What a probe names, and so how a refusal of it is audited.
    enum Reach: Equatable {
        /// No clinic at all (metrics, rule sets, a list without filters).
        case none
        /// A clinic by its id: refused and audited whether or not it exists.
        case clinic
        /// An entity of a clinic: audited when it exists outside the scope.
        case entity
        /// A filter on a patient: filtered by the database, nothing to audit.
        case filter
        /// Only a network-wide token may call it.
        case network
    }

    struct Probe: Sendable {
        let operation: String
        let method: String
        let path: String
        let body: String?
        let reach: Reach
        /// A search whose filter names the other clinic: an empty answer, the refusal audited.
        var isList: Bool { ["listReferrals", "fhirSearchSlots"].contains(operation) }
    }

    /// Every operation of the matrix that needs a token, against `site` (`n` keeps names unique).
    static func probes(_ site: Site, _ n: Int, start: String) -> [Probe] {
        let clinic = site.clinic
        let evaluation =
            #"{"inputs":{"painNRS":6,"hospitalised":false,"painWorsening":false,"furtherHeightLoss":false,"kyphoticDeformity":true,"rolandMorris":12,"painFromTargetFracture":true,"conservativeCare":{"bracing":true,"weeks":5},"contraindications":{"backPainNotFromFracture":false,"activeInfection":false,"pregnancy":false,"cementOrContrastAllergy":false,"uncorrectedCoagulopathy":false,"spinalInstability":false,"myelopathy":false,"neurologicalDeficit":false,"nerveImpingement":false,"retropulsion":false},"boneDensityReferral":true,"osteoporosisEducation":true,"myeloma":false,"levels":["L1"],"anesthesia":"local_with_sedation","anticoagulant":"none"},"decision":{"outcome":"candidate"}}"#
        let parameters =
            #"{"highestLevel":"T1","lowestLevel":"L5","minimumPainHospitalised":8,"minimumPainOutpatient":5,"stablePainCriteriaRequired":2,"conservativeCareWeeks":6,"maximumLevelsPerSession":3,"myelomaExempt":true,"pregnancyIsAbsolute":true,"severeCollapseWarningPercent":70,"maximumINR":1.5,"minimumPlatelets":50}"#
        let referral = """
            {"clinicId":"\(clinic)","patient":{"mrn":"SCOPE-\(n)","givenName":"Marguerite","familyName":"Okafor","birthDate":"1951-07-02","sex":"female"},
             "referringClinician":{"name":"Dr. Samuel Ortiz"},"reason":"T12 compression fracture after a fall, NRS 8."}
            """
        let imaging = """
            {"clinicId":"\(clinic)","sourceSystem":"scope-ris","accessionNumber":"SC-\(n)","resultStatus":"final","modality":"MR",
             "performedAt":"2026-11-20T15:30:00-07:00",
             "patient":{"mrn":"SCOPE-\(n)","givenName":"Marguerite","familyName":"Okafor","birthDate":"1951-07-02","sex":"female"},
             "impression":"Acute T12 compression fracture.","findings":[{"level":"T12","heightLossPercent":25,"morphology":"wedge","edema":"present"}]}
            """
        return [
            Probe(operation: "getMetrics", method: "GET", path: "/metrics", body: nil, reach: .none),
            Probe(operation: "createReferral", method: "POST", path: "/v1/referrals", body: referral, reach: .clinic),
            Probe(operation: "listReferrals", method: "GET", path: "/v1/referrals", body: nil, reach: .none),
            Probe(
                operation: "listReferrals", method: "GET", path: "/v1/referrals?clinicId=\(clinic)", body: nil,
                reach: .clinic),
            Probe(
                operation: "listReferrals", method: "GET", path: "/v1/referrals?patientId=\(site.patient)", body: nil,
                reach: .filter),
            Probe(
                operation: "getReferral", method: "GET", path: "/v1/referrals/\(site.referral)", body: nil,
                reach: .entity),
            Probe(
                operation: "updateReferral", method: "PATCH", path: "/v1/referrals/\(site.referral)",
                body: #"{"payer":"Medicare"}"#, reach: .entity),
            Probe(
                operation: "listReferralEvents", method: "GET", path: "/v1/referrals/\(site.referral)/events",
                body: nil, reach: .entity),
            Probe(
                operation: "cancelReferral", method: "POST", path: "/v1/referrals/\(site.referral)/cancel",
                body: #"{"reason":"Duplicate referral"}"#, reach: .entity),
            Probe(
                operation: "setReferralUrgency", method: "POST", path: "/v1/referrals/\(site.referral)/urgency",
                body: #"{"urgency":"urgent","reason":"Pain worse overnight"}"#, reach: .entity),
            Probe(
                operation: "createEvaluation", method: "POST", path: "/v1/referrals/\(site.referral)/evaluations",
                body: evaluation, reach: .entity),
            Probe(
                operation: "listEvaluations", method: "GET", path: "/v1/referrals/\(site.referral)/evaluations",
                body: nil, reach: .entity),
            Probe(
                operation: "getPreProcedurePlan", method: "GET",
                path: "/v1/referrals/\(site.referral)/pre-procedure-plan?procedureDate=2027-01-11", body: nil,
                reach: .entity),
            Probe(
                operation: "listCandidacyRuleSets", method: "GET", path: "/v1/candidacy-rule-sets", body: nil,
                reach: .none),
            Probe(
                operation: "createCandidacyRuleSetVersion", method: "POST", path: "/v1/candidacy-rule-sets",
                body: "{\"name\":\"scope-\(n)\",\"parameters\":\(parameters)}", reach: .network),
            Probe(
                operation: "createClinic", method: "POST", path: "/v1/clinics",
                body:
                    "{\"name\":\"Scope Clinic \(n)\",\"timeZone\":\"America/Denver\",\"hours\":[{\"weekday\":1,\"opens\":\"07:00\",\"closes\":\"17:00\"}]}",
                reach: .network),
            Probe(operation: "getClinic", method: "GET", path: "/v1/clinics/\(clinic)", body: nil, reach: .clinic),
            Probe(
                operation: "setVisitSettings", method: "PUT", path: "/v1/clinics/\(clinic)/visit-settings",
                body: #"{"holdMinutes":45}"#, reach: .clinic),
            Probe(
                operation: "listResources", method: "GET", path: "/v1/clinics/\(clinic)/resources", body: nil,
                reach: .clinic),
            Probe(
                operation: "createResource", method: "POST", path: "/v1/clinics/\(clinic)/resources",
                body: "{\"kind\":\"consult_room\",\"name\":\"Consult Room \(n)\"}", reach: .clinic),
            Probe(
                operation: "setAvailabilityTemplate", method: "PUT",
                path: "/v1/resources/\(site.resource)/availability-template",
                body: #"{"windows":[{"weekday":1,"starts":"08:00","ends":"16:00"}]}"#, reach: .entity),
            Probe(
                operation: "createBlock", method: "POST", path: "/v1/resources/\(site.resource)/blocks",
                body:
                    #"{"starts":"2027-03-01T00:00:00-07:00","ends":"2027-03-02T00:00:00-07:00","kind":"maintenance","reason":"Air handling"}"#,
                reach: .entity),
            Probe(
                operation: "getAvailability", method: "GET",
                path: "/v1/availability?referralId=\(site.referral)&kind=follow_up", body: nil, reach: .entity),
            Probe(
                operation: "createAppointment", method: "POST", path: "/v1/appointments",
                body: "{\"referralId\":\"\(site.referral)\",\"kind\":\"follow_up\",\"start\":\"\(start)\"}",
                reach: .entity),
            Probe(
                operation: "getAppointment", method: "GET", path: "/v1/appointments/\(site.appointment)", body: nil,
                reach: .entity),
            Probe(
                operation: "confirmAppointment", method: "POST", path: "/v1/appointments/\(site.appointment)/confirm",
                body: "{}", reach: .entity),
            Probe(
                operation: "recordConsent", method: "POST", path: "/v1/appointments/\(site.appointment)/consent",
                body: "{}", reach: .entity),
            Probe(
                operation: "recordPriorAuthorization", method: "POST",
                path: "/v1/referrals/\(site.referral)/prior-authorization", body: #"{"number":"PA-77"}"#,
                reach: .entity),
            Probe(
                operation: "rescheduleAppointment", method: "POST",
                path: "/v1/appointments/\(site.appointment)/reschedule", body: "{\"start\":\"\(start)\"}",
                reach: .entity),
            Probe(
                operation: "checkInAppointment", method: "POST",
                path: "/v1/appointments/\(site.appointment)/check-in", body: "{}", reach: .entity),
            Probe(
                operation: "markNoShow", method: "POST", path: "/v1/appointments/\(site.appointment)/no-show",
                body: "{}", reach: .entity),
            Probe(
                operation: "completeAppointment", method: "POST",
                path: "/v1/appointments/\(site.appointment)/complete", body: "{}", reach: .entity),
            Probe(
                operation: "cancelAppointment", method: "POST", path: "/v1/appointments/\(site.appointment)/cancel",
                body: #"{"reason":"Patient unwell"}"#, reach: .entity),
            Probe(
                operation: "getDaySheet", method: "GET", path: "/v1/schedule?clinicId=\(clinic)&date=2027-01-11",
                body: nil, reach: .clinic),
            Probe(
                operation: "getWaitlist", method: "GET", path: "/v1/waitlist?clinicId=\(clinic)", body: nil,
                reach: .clinic),
            Probe(
                operation: "getNightlyReport", method: "GET", path: "/v1/reports/nightly?clinicId=\(clinic)",
                body: nil, reach: .clinic),
            Probe(
                operation: "getNetworkReport", method: "GET", path: "/v1/reports/nightly/network?date=today",
                body: nil, reach: .network),
            Probe(
                operation: "declineOffer", method: "POST", path: "/v1/waitlist/offers/\(site.offer)/decline",
                body: "{}", reach: .entity),
            Probe(
                operation: "acceptOffer", method: "POST", path: "/v1/waitlist/offers/\(site.offer)/accept",
                body: "{}", reach: .entity),
            Probe(
                operation: "createImagingResult", method: "POST", path: "/v1/imaging-results", body: imaging,
                reach: .clinic),
            Probe(
                operation: "getImagingResult", method: "GET", path: "/v1/imaging-results/\(site.imaging)", body: nil,
                reach: .entity),
            Probe(
                operation: "listAuditEntries", method: "GET", path: "/v1/audit?entityId=\(site.referral)", body: nil,
                reach: .network),
            Probe(
                operation: "setClinicContact", method: "PUT", path: "/v1/clinics/\(clinic)/contact",
                body: #"{"phone":"+1-480-555-0142"}"#, reach: .clinic),
            Probe(
                operation: "receiveHL7Result", method: "POST", path: "/v1/hl7/oru", body: hl7(clinic, n), reach: .clinic
            ),
            Probe(
                operation: "fhirReadPatient", method: "GET", path: "/fhir/r4/Patient/\(site.patient)", body: nil,
                reach: .entity),
            Probe(
                operation: "fhirSearchServiceRequests", method: "GET",
                path: "/fhir/r4/ServiceRequest?patient=Patient/\(site.patient)", body: nil, reach: .filter),
            Probe(
                operation: "fhirCreateServiceRequest", method: "POST", path: "/fhir/r4/ServiceRequest",
                body: serviceRequest(clinic, n), reach: .clinic),
            Probe(
                operation: "fhirReadServiceRequest", method: "GET", path: "/fhir/r4/ServiceRequest/\(site.referral)",
                body: nil, reach: .entity),
            Probe(
                operation: "fhirSearchAppointments", method: "GET",
                path: "/fhir/r4/Appointment?patient=\(site.patient)", body: nil, reach: .filter),
            Probe(
                operation: "fhirReadAppointment", method: "GET", path: "/fhir/r4/Appointment/\(site.appointment)",
                body: nil, reach: .entity),
            Probe(
                operation: "fhirSearchSchedules", method: "GET", path: "/fhir/r4/Schedule?actor=Location/\(clinic)",
                body: nil, reach: .filter),
            Probe(
                operation: "fhirReadSchedule", method: "GET", path: "/fhir/r4/Schedule/\(clinic)-procedure", body: nil,
                reach: .clinic),
            Probe(
                operation: "fhirSearchSlots", method: "GET",
                path: "/fhir/r4/Slot?schedule=Schedule/\(clinic)-procedure",
                body: nil, reach: .clinic),
            Probe(
                operation: "fhirReadDiagnosticReport", method: "GET", path: "/fhir/r4/DiagnosticReport/\(site.imaging)",
                body: nil, reach: .entity),
            Probe(
                operation: "fhirReadLocation", method: "GET", path: "/fhir/r4/Location/\(clinic)", body: nil,
                reach: .clinic),
            Probe(operation: "listClinics", method: "GET", path: "/v1/clinics", body: nil, reach: .none),
            Probe(
                operation: "listBlocks", method: "GET", path: "/v1/resources/\(site.resource)/blocks", body: nil,
                reach: .entity),
            Probe(
                operation: "listAppointments", method: "GET", path: "/v1/appointments?patientId=\(site.patient)",
                body: nil, reach: .filter),
            Probe(
                operation: "listImagingResults", method: "GET", path: "/v1/imaging-results?patientId=\(site.patient)",
                body: nil, reach: .filter),
            Probe(
                operation: "searchPatients", method: "GET", path: "/v1/patients?mrn=\(site.patient)", body: nil,
                reach: .filter),
            Probe(
                operation: "getPatient", method: "GET", path: "/v1/patients/\(site.patient)", body: nil, reach: .entity),
            Probe(
                operation: "getAppointmentInstructions", method: "GET",
                path: "/v1/appointments/\(site.appointment)/instructions", body: nil, reach: .entity),
            Probe(
                operation: "listInstructionTemplates", method: "GET",
                path: "/v1/clinics/\(clinic)/instruction-templates",
                body: nil, reach: .clinic),
            Probe(
                operation: "setInstructionTemplate", method: "PUT",
                path: "/v1/clinics/\(clinic)/instruction-templates/evaluation/text",
                body: #"{"body":"Please bring your MRI disc."}"#, reach: .clinic),
            Probe(
                operation: "resetInstructionTemplate", method: "DELETE",
                path: "/v1/clinics/\(clinic)/instruction-templates/evaluation/text", body: nil, reach: .clinic),
            Probe(
                operation: "getResource", method: "GET", path: "/v1/resources/\(site.resource)", body: nil,
                reach: .entity),
            Probe(
                operation: "updateResource", method: "PATCH", path: "/v1/resources/\(site.resource)",
                body: "{\"name\":\"Consult room \(n)\"}", reach: .entity),
            Probe(
                operation: "deleteBlock", method: "DELETE",
                path: "/v1/resources/\(site.resource)/blocks/\(site.block)", body: nil, reach: .entity),
            Probe(operation: "listChanges", method: "GET", path: "/v1/changes", body: nil, reach: .none),
            Probe(
                operation: "createWebhook", method: "POST", path: "/v1/webhooks",
                body: "{\"url\":\"http://127.0.0.1:9/hook-\(n)\",\"clinicIds\":[\"\(clinic)\"]}", reach: .clinic),
            Probe(operation: "listWebhooks", method: "GET", path: "/v1/webhooks", body: nil, reach: .none),
            // A subscription outside the scope is answered as one that does not exist.
            Probe(
                operation: "getWebhook", method: "GET", path: "/v1/webhooks/\(site.webhook)", body: nil, reach: .none),
            Probe(
                operation: "listWebhookDeliveries", method: "GET", path: "/v1/webhooks/\(site.webhook)/deliveries",
                body: nil, reach: .none),
            Probe(
                operation: "resumeWebhook", method: "POST", path: "/v1/webhooks/\(site.webhook)/resume", body: nil,
                reach: .none),
            Probe(
                operation: "deleteWebhook", method: "DELETE", path: "/v1/webhooks/\(site.webhook)", body: nil,
                reach: .none),
        ]
    }

    /// An ORU^R01 for `clinic` (MSH-6): a T12 wedge fracture on MRI, final.
    static func hl7(_ clinic: ClinicID, _ n: Int) -> String {
        var obr = Array(repeating: "", count: 26)
        obr[0] = "OBR"
        obr[1] = "1"
        obr[3] = "HL7-\(n)"
        obr[7] = "20261120153000-0700"
        obr[18] = "HL7-\(n)"
        obr[24] = "MR"
        obr[25] = "F"
        return [
            "MSH|^~\\&|RIS|SCOPE RAD|CLINIC|\(clinic)|20261120160000-0700||ORU^R01^ORU_R01|CTL-\(n)|P|2.5.1",
            "PID|1||SCOPE-HL7-\(n)^^^SCOPE^MR||OKAFOR^MARGUERITE||19510702|F", obr.joined(separator: "|"),
            "OBX|1|NM|HEIGHTLOSS^Height loss^99VCF|T12|25|%|||||F",
        ].joined(separator: "\r") + "\r"
    }

    /// A referral network's ServiceRequest for `clinic` (its Location), with a contained Patient.
    static func serviceRequest(_ clinic: ClinicID, _ n: Int) -> String {
        """
        {"resourceType":"ServiceRequest","status":"active","intent":"order",
         "identifier":[{"system":"urn:scope:referrals","value":"SR-\(n)"}],
         "contained":[{"resourceType":"Patient","id":"p1","identifier":[{"value":"SCOPE-SR-\(n)"}],
           "name":[{"family":"Okafor","given":["Marguerite"]}],"birthDate":"1951-07-02","gender":"female"}],
         "subject":{"reference":"#p1"},"locationReference":[{"reference":"Location/\(clinic)"}],
         "requester":{"display":"Dr. Samuel Ortiz"},"reasonCode":[{"text":"T12 compression fracture after a fall"}]}
        """
    }

    @Test("the probes cover every operation of the permission matrix that needs a token")
    func probesCoverTheMatrix() {
        let site = Site(
            clinic: .random(), referral: .random(), patient: .random(), imaging: .random(), appointment: .random(),
            offer: .random(), resource: .random(), block: .random(), webhook: .random(), secrets: [])
        #expect(
            Set(Self.probes(site, 0, start: "").map(\.operation))
                == Set(PermissionMatrix.operations.filter { $0.access != .anonymous }.map(\.operationID)))
    }

    @Test(
        "every operation x every role x (other clinic, nowhere, own clinic, network-wide): the other clinic is answered as nowhere, audited, unchanged and never shown"
    )
    func everyOperationEveryRole() async throws {
        try await withTestDatabase { db in
            let fixtures = Fixtures(db)
            let own = try await Self.site(
                fixtures, name: "Desert Spine Center", prefix: "DSC", given: "Eleanor", family: "Whitfield")
            let other = try await Self.site(
                fixtures, name: "Mesa Vertebral Clinic", prefix: "MVC", given: "Harold", family: "Brennan")
            var scoped: [Role: String] = [:]
            var network: [Role: String] = [:]
            for role in Role.allCases {
                scoped[role] = try await fixtures.token(
                    role, name: "own \(role.rawValue)", scope: .clinics([own.clinic]))
                network[role] = try await fixtures.token(role, name: "network \(role.rawValue)", scope: .network)
            }
            let start = Self.iso(
                Fixtures.nextMondayMorning(in: try await Self.clinic(fixtures, own.clinic)).addingTimeInterval(
                    3 * 86_400 + 3 * 3600))
            let before = try await Self.digest(db, other.clinic)
            try await withRunningServer(db) { base in
                var n = 0
                // 1. The other clinic, and nowhere: the same answer, nothing shown, the refusal audited.
                for role in Role.allCases {
                    let token = scoped[role]!
                    let name = "own \(role.rawValue)"
                    n += 1
                    let probes = zip(
                        Self.probes(other, n, start: start), Self.probes(other.nowhere(), n + 10_000, start: start))
                    for (probe, nowhere) in probes {
                        let label = "\(role.rawValue) \(probe.operation) \(probe.path)"
                        let refusals0 = try await Self.refusals(db, name)
                        let atOther0 = try await Self.refusals(db, name, clinic: other.clinic)
                        let (status, body) = try await Self.send(base, probe, token)
                        let refusals1 = try await Self.refusals(db, name)
                        let atOther1 = try await Self.refusals(db, name, clinic: other.clinic)
                        let (nowhereStatus, nowhereBody) = try await Self.send(base, nowhere, token)
                        let refusals2 = try await Self.refusals(db, name)
                        // What the caller sent itself (an HL7 ACK echoes MSH-6, a Bundle's self link the
                        // query) is not shown to it.
                        for secret in other.secrets
                        where !(probe.body ?? "").contains(secret) && !probe.path.contains(secret) {
                            #expect(!body.contains(secret), "\(label) showed \(secret): \(body)")
                            #expect(!nowhereBody.contains(secret), "\(label) (nowhere) showed \(secret)")
                        }
                        #expect(status < 500 && nowhereStatus < 500, "\(label): \(status) \(body)")
                        guard PermissionMatrix.allows(role, probe.operation) else {
                            #expect(status == 403 && nowhereStatus == 403, "\(label): \(status)")
                            continue
                        }
                        #expect(
                            status == nowhereStatus,
                            "\(label): \(status) \(body) / nowhere \(nowhereStatus) \(nowhereBody)")
                        #expect(Self.problemType(body) == Self.problemType(nowhereBody), "\(label)")
                        switch probe.reach {
                        case .none:
                            #expect(refusals1 == refusals0 && refusals2 == refusals1, "\(label)")
                        case .filter:
                            #expect(Self.items(body) == 0, "\(label): \(body)")
                            #expect(refusals1 == refusals0 && refusals2 == refusals1, "\(label)")
                        case .clinic, .entity:
                            if probe.isList {
                                #expect(status == 200 && Self.items(body) == 0, "\(label): \(body)")
                            } else {
                                #expect([404, 422].contains(status), "\(label): \(status) \(body)")
                            }
                            #expect(refusals1 == refusals0 + 1, "\(label): refusal audited")
                            #expect(atOther1 == atOther0 + 1, "\(label): with the clinic asked for")
                            #expect(refusals2 == refusals1 + (probe.reach == .clinic ? 1 : 0), "\(label) nowhere")
                        case .network:
                            #expect(status == 403 && Self.problemType(body) == "/problems/outside-scope", "\(label)")
                            #expect(refusals1 == refusals0 + 1 && refusals2 == refusals1 + 1, "\(label)")
                        }
                    }
                }
                #expect(try await Self.digest(db, other.clinic) == before, "the other clinic was changed")

                // 2. Their own clinic: nothing refused for scope, nothing of the other clinic shown.
                for role in Role.allCases {
                    n += 1
                    for probe in Self.probes(own, n, start: start) {
                        let label = "own \(role.rawValue) \(probe.operation) \(probe.path)"
                        let refused = try await Self.refusals(db, "own \(role.rawValue)")
                        let (status, body) = try await Self.send(base, probe, scoped[role]!)
                        if probe.reach != .network {
                            #expect(
                                try await Self.refusals(db, "own \(role.rawValue)") == refused,
                                "\(label): refused for scope in its own clinic")
                        }
                        for secret in other.secrets { #expect(!body.contains(secret), "\(label) showed \(secret)") }
                        Self.expectReached(role, probe, status, body, label, networkWide: false)
                    }
                }
                // What the first phase proved absent is there for the clinic's own staff.
                let (_, ownReferral) = try await Self.send(
                    base,
                    Probe(
                        operation: "getReferral", method: "GET", path: "/v1/referrals/\(own.referral)", body: nil,
                        reach: .entity),
                    network[.reporter]!)
                #expect(ownReferral.contains("DSC-3"))

                // 3. Network-wide tokens reach the other clinic like their own.
                for role in Role.allCases {
                    n += 1
                    for probe in Self.probes(other, n, start: start) {
                        let label = "network \(role.rawValue) \(probe.operation) \(probe.path)"
                        let refused = try await Self.refusals(db, "network \(role.rawValue)")
                        let (status, body) = try await Self.send(base, probe, network[role]!)
                        #expect(
                            try await Self.refusals(db, "network \(role.rawValue)") == refused,
                            "\(label): a network-wide token was refused for scope")
                        Self.expectReached(role, probe, status, body, label, networkWide: true)
                        if role == .reporter && probe.operation == "getReferral" {
                            #expect(body.contains("MVC-3") && body.contains("Brennan"), "\(label): \(body)")
                        }
                    }
                }
            }
        }
    }

    /// Allowed by the matrix: answered without a scope refusal (a 409 or 412 of the entity's own
    /// state is fine); otherwise 403. What only a network-wide token may do is 403 to the others.
    static func expectReached(
        _ role: Role, _ probe: Probe, _ status: Int, _ body: String, _ label: String, networkWide: Bool
    ) {
        #expect(status < 500, "\(label): \(status) \(body)")
        guard PermissionMatrix.allows(role, probe.operation) else {
            #expect(status == 403, "\(label): \(status)")
            return
        }
        if probe.reach == .network && !networkWide {
            #expect(status == 403 && problemType(body) == "/problems/outside-scope", "\(label): \(status) \(body)")
            return
        }
        #expect(status != 401 && status != 403 && status != 404, "\(label): \(status) \(body)")
        #expect(problemType(body) != "/problems/unknown-reference", "\(label): \(body)")
    }

    /// A clinic with resources working weekdays, three candidates (one booked for a procedure, one
    /// holding the offer of a cancelled booking's time), all named for this clinic.
    static func site(_ fixtures: Fixtures, name: String, prefix: String, given: String, family: String) async throws
        -> Site
    {
        let (clinic, resources) = try await fixtures.schedulableClinic(name: name)
        let services = try fixtures.services()
        var candidates: [ReferralID] = []
        for index in 1...3 {
            candidates.append(
                try await fixtures.candidate(
                    at: clinic, mrn: "\(prefix)-\(index)", givenName: given, familyName: family, services: services))
        }
        let monday = Fixtures.nextMondayMorning(in: clinic)
        let (cancelled, _) = try await services.scheduling.book(
            referralID: candidates[0], kind: .procedure, start: monday, resourceIDs: nil, idempotencyKey: nil,
            actor: Fixtures.operator_)
        _ = try await services.waitlist.cancel(
            appointmentID: cancelled.id, reason: "Patient admitted elsewhere", actor: Fixtures.operator_)
        let (booked, _) = try await services.scheduling.book(
            referralID: candidates[2], kind: .procedure, start: monday.addingTimeInterval(86_400), resourceIDs: nil,
            idempotencyKey: nil, actor: Fixtures.operator_)
        let referral = try await services.referrals.referral(id: candidates[2], actor: Fixtures.operator_)
        let offers = try await services.waitlist.waitlist(clinicID: clinic.id, actor: Fixtures.operator_).offers
        guard let offer = offers.first(where: { $0.state == .offered }) else {
            throw TestSupportError("no open offer at \(name)")
        }
        var secrets = [clinic.id.description, name, given, family, referral.patient.id.description]
        secrets += candidates.map(\.description) + (1...3).map { "\(prefix)-\($0)" }
        secrets += [booked.id.description, cancelled.id.description, offer.id.description]
        secrets += referral.imagingResultIDs.map(\.description) + resources.values.map(\.description)
        let consultRoom = resources[.consultRoom]!
        let block = try await services.resources.addBlock(
            resourceID: consultRoom, starts: monday.addingTimeInterval(30 * 86_400),
            ends: monday.addingTimeInterval(31 * 86_400), kind: .maintenance, reason: "Flooring replaced",
            overBookings: false, actor: Fixtures.operator_
        ).block
        let webhook = try await services.webhooks.create(
            url: "http://127.0.0.1:9/\(prefix)", eventTypes: [], clinicIDs: [clinic.id], description: nil,
            actor: Fixtures.operator_
        ).subscription.id
        secrets += [block.id.description, webhook.description]
        return Site(
            clinic: clinic.id, referral: candidates[2], patient: referral.patient.id,
            imaging: referral.imagingResultIDs[0], appointment: booked.id, offer: offer.id,
            resource: consultRoom, block: block.id, webhook: webhook, secrets: secrets)
    }

    static func clinic(_ fixtures: Fixtures, _ id: ClinicID) async throws -> Clinic {
        try await fixtures.services().setup.clinicSetup(id: id, actor: Fixtures.operator_).clinic
    }

    /// Everything stored about a clinic, as one hash (read as the owner, past row-level security).
    static func digest(_ db: TestDatabase, _ clinic: ClinicID) async throws -> String {
        let rows = try await db.query(
            """
            SELECT md5(concat_ws('|',
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM clinics t WHERE t.id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM referrals t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM patients t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM appointments t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM waitlist_offers t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM imaging_results t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM evaluations t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT count(*)::text FROM referral_events t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM resources t WHERE t.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(b::text, ',' ORDER BY b.id) FROM resource_blocks b JOIN resources r ON r.id = b.resource_id
                  WHERE r.clinic_id = \(clinic.rawValue)),
                (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM availability_templates a JOIN resources r ON r.id = a.resource_id
                  WHERE r.clinic_id = \(clinic.rawValue))))
            """)
        return try rows[0].decode(String.self)
    }

    /// Scope refusals audited for a token's holder (at one clinic).
    static func refusals(_ db: TestDatabase, _ name: String, clinic: ClinicID? = nil) async throws -> Int {
        let rows = try await db.query(
            """
            SELECT count(*)::int FROM audit_log
            WHERE action = 'scope.refused' AND outcome = 'denied' AND actor_name = \(name)
              AND (\(clinic?.rawValue)::uuid IS NULL OR clinic_id = \(clinic?.rawValue))
            """)
        return try rows[0].decode(Int.self)
    }

    static func send(_ base: String, _ probe: Probe, _ token: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: base + probe.path)!)
        request.httpMethod = probe.method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if probe.method == "PATCH" { request.setValue("\"1\"", forHTTPHeaderField: "If-Match") }
        if let body = probe.body {
            let type = probe.path.hasPrefix("/v1/hl7/") ? "application/hl7-v2" : "application/json"
            request.setValue(type, forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        for _ in 0..<5 {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            // The loaded test machine may answer 503; a client retries.
            if status == 503 {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            return (status, String(decoding: data, as: UTF8.self))
        }
        return (503, "")
    }

    static func problemType(_ body: String) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any])?["type"] as? String
    }

    /// The entries of a page: `items` of a `/v1` list, `entry` of a FHIR Bundle (absent when empty).
    static func items(_ body: String) -> Int? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
            return nil
        }
        if object["resourceType"] as? String == "Bundle" { return (object["entry"] as? [Any])?.count ?? 0 }
        return (object["items"] as? [Any])?.count
    }

    static func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
