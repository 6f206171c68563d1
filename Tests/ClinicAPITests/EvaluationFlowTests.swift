import ClinicDomain
import ClinicTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Kyphoplasty evaluation through the API")
struct EvaluationFlowTests {
    /// An MRI (L1 30% wedge, STIR edema) and a triaged referral made from it, with this payer.
    private func referral(
        _ client: any TestClientProtocol, _ db: TestDatabase, payer: String? = nil,
        findings: String = #"{"level":"L1","heightLossPercent":30,"morphology":"wedge","edema":"present"}"#
    ) async throws -> String {
        let clinic = try await Fixtures(db).clinic()
        let pacs = try await Fixtures(db).token(.intake)
        let resultID = try await client.postImaging(
            token: pacs, ImagingJSON.mri(clinicID: clinic.id, findings: findings)
        ) { JSONBody($0).string("id")! }
        let payerField = payer.map { ",\"payer\":\"\($0)\"" } ?? ""
        return try await client.postReferral(
            token: pacs,
            """
            {"imagingResultIds":["\(resultID)"],"referringClinician":{"name":"Dr. Samuel Ortiz"},"reason":"Painful L1 fracture"\(payerField)}
            """
        ) { JSONBody($0).string("id")! }
    }

    /// The issue's vignette: outpatient, NRS 6 stable, 30% loss and kyphosis, 5 weeks of bracing, on warfarin.
    static func vignette(decision: String, levels: String = #"["L1"]"#, anesthesia: String = "local_with_sedation")
        -> String
    {
        """
        {"inputs":{"painNRS":6,"hospitalised":false,"painWorsening":false,"furtherHeightLoss":false,"kyphoticDeformity":true,
          "rolandMorris":12,"painFromTargetFracture":true,
          "conservativeCare":{"bracing":true,"weeks":5},
          "contraindications":{"backPainNotFromFracture":false,"activeInfection":false,"pregnancy":false,"cementOrContrastAllergy":false,
            "uncorrectedCoagulopathy":false,"spinalInstability":false,"myelopathy":false,"neurologicalDeficit":false,
            "nerveImpingement":false,"retropulsion":false},
          "boneDensityReferral":true,"osteoporosisEducation":true,"myeloma":false,
          "levels":\(levels),"anesthesia":"\(anesthesia)","anticoagulant":"warfarin","inr":1.2,"platelets":210},
         "decision":\(decision)}
        """
    }

    private func evaluate(
        _ client: any TestClientProtocol, token: String, referral: String, _ body: String,
        _ check: (TestResponse) async throws -> Void
    ) async throws {
        let response = try await client.execute(
            uri: "/v1/referrals/\(referral)/evaluations", method: .post, headers: .bearer(token),
            body: ByteBuffer(json: body))
        try await check(response)
    }

    @Test(
        "a clinician evaluates the vignette: every rule passes under the default set, the referral becomes a candidate, the plan counts holds back"
    )
    func candidateFlow() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db)
            let clinician = try await Fixtures(db).token(.clinician, name: "Dr. Chen")
            try await evaluate(
                client, token: clinician, referral: id, Self.vignette(decision: #"{"outcome":"candidate"}"#)
            ) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                #expect(body.string("recommendation") == "candidate")
                #expect((body["ruleSet"] as? [String: Any])?["name"] as? String == "medicare-default")
                let verdicts = body["verdicts"] as? [[String: Any]] ?? []
                #expect(verdicts.count == 9)
                #expect(verdicts.allSatisfy { $0["outcome"] as? String == "pass" })
                #expect(body["againstRecommendation"] as? Bool == false)
                #expect(body.string("clinicianName") == "Dr. Chen")
            }
            try await client.execute(uri: "/v1/referrals/\(id)", method: .get, headers: .bearer(clinician, json: false))
            { response in
                #expect(JSONBody(response).string("status") == "candidate")
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/pre-procedure-plan?procedureDate=2026-12-03", method: .get,
                headers: .bearer(clinician, json: false)
            ) { response in
                #expect(response.status == .ok)
                let plan = JSONBody(response)
                #expect(plan["estimatedMinutes"] as? Int == 60)
                let hold = (plan["holds"] as? [[String: Any]])?.first
                #expect(hold?["anticoagulant"] as? String == "warfarin")
                #expect(hold?["stopOn"] as? String == "2026-11-28")
                #expect((plan["labs"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["pass", "pass"])
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/pre-procedure-plan?procedureDate=2026-12-10", method: .get,
                headers: .bearer(clinician, json: false)
            ) { response in
                #expect((JSONBody(response)["holds"] as? [[String: Any]])?.first?["stopOn"] as? String == "2026-12-05")
            }
            #expect(
                try await db.count(
                    "referral_events",
                    where: "referral_id = '\(id)' AND kind = 'record_evaluation_candidate' AND to_status = 'candidate'")
                    == 1)
        }
    }

    @Test("the payer selects the stricter commercial set: not a candidate, and a candidate decision needs a reason")
    func commercialPayer() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db, payer: "Commercial Example")
            let clinician = try await Fixtures(db).token(.clinician)
            try await evaluate(
                client, token: clinician, referral: id, Self.vignette(decision: #"{"outcome":"candidate"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/decision/reason"])
            }
            #expect(try await db.count("evaluations") == 0)
            try await evaluate(
                client, token: clinician, referral: id,
                Self.vignette(
                    decision:
                        #"{"outcome":"candidate","reason":"Pain limits walking; failed 5 weeks of bracing, surgeon agrees"}"#
                )
            ) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                #expect(body.string("recommendation") == "not_candidate")
                #expect((body["ruleSet"] as? [String: Any])?["name"] as? String == "commercial-example")
                #expect(body["againstRecommendation"] as? Bool == true)
            }
            #expect(
                try await db.count(
                    "audit_log", where: "entity_id = '\(id)' AND action = 'evaluation.decision_against_recommendation'")
                    == 1)
        }
    }

    @Test("a level without a fracture on the referral's imaging is 400 naming it")
    func levelWithoutFracture() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db)
            let clinician = try await Fixtures(db).token(.clinician)
            try await evaluate(
                client, token: clinician, referral: id,
                Self.vignette(decision: #"{"outcome":"candidate"}"#, levels: #"["L1","L3"]"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/inputs/levels/1"])
            }
            #expect(try await db.count("referrals", where: "status = 'triaged'") == 1)
        }
    }

    @Test("deferred needs a re-evaluation date after today, then moves the referral to deferred")
    func deferred() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db)
            let clinician = try await Fixtures(db).token(.clinician)
            try await evaluate(
                client, token: clinician, referral: id, Self.vignette(decision: #"{"outcome":"deferred"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/decision/reevaluateOn"])
            }
            try await evaluate(
                client, token: clinician, referral: id,
                Self.vignette(
                    decision:
                        #"{"outcome":"deferred","reevaluateOn":"2099-01-15","reason":"Wants an MRI of T12 first"}"#)
            ) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v1/referrals/\(id)", method: .get, headers: .bearer(clinician, json: false))
            { response in
                #expect(JSONBody(response).string("status") == "deferred")
            }
        }
    }

    @Test("a second evaluation of a decided referral is 409 naming its status; no plan without a candidate decision")
    func stateRules() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db)
            let clinician = try await Fixtures(db).token(.clinician)
            try await client.execute(
                uri: "/v1/referrals/\(id)/pre-procedure-plan?procedureDate=2026-12-03", method: .get,
                headers: .bearer(clinician, json: false)
            ) { #expect($0.status == .conflict) }
            try await evaluate(
                client, token: clinician, referral: id,
                Self.vignette(decision: #"{"outcome":"not_candidate","reason":"Prefers conservative care"}"#)
            ) { response in
                #expect(response.status == .created)
                #expect(JSONBody(response)["againstRecommendation"] as? Bool == true)
            }
            try await evaluate(
                client, token: clinician, referral: id, Self.vignette(decision: #"{"outcome":"candidate"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(JSONBody(response).string("detail")?.contains("not_candidate") == true)
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/evaluations", method: .get, headers: .bearer(clinician, json: false)
            ) { response in
                #expect((JSONBody(response)["items"] as? [Any])?.count == 1)
            }
        }
    }

    @Test("unknown inputs give not_known verdicts and 'needs information', never a silent pass")
    func unknownInputs() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db)
            let clinician = try await Fixtures(db).token(.clinician)
            let sparse =
                #"{"inputs":{"painNRS":7,"levels":["L1"],"anesthesia":"general","anticoagulant":"none"},"decision":{"outcome":"deferred","reevaluateOn":"2099-02-01"}}"#
            try await evaluate(client, token: clinician, referral: id, sparse) { response in
                #expect(response.status == .created)
                let body = JSONBody(response)
                #expect(body.string("recommendation") == "needs_information")
                let unknown = (body["verdicts"] as? [[String: Any]] ?? []).filter {
                    $0["outcome"] as? String == "not_known"
                }.compactMap { $0["rule"] as? String }
                #expect(
                    Set(unknown).isSuperset(of: [
                        "pain_severity", "conservative_care", "bone_health", "no_absolute_contraindication",
                        "no_relative_contraindication", "pain_from_fracture",
                    ]))
            }
        }
    }

    @Test("an admin adds a new version of a rule set; evaluations keep the version they used")
    func ruleSetVersioning() async throws {
        try await withApp { client, db in
            let id = try await referral(client, db)
            let clinician = try await Fixtures(db).token(.clinician)
            let admin = try await Fixtures(db).token(.admin)
            try await evaluate(
                client, token: clinician, referral: id, Self.vignette(decision: #"{"outcome":"candidate"}"#)
            ) { #expect($0.status == .created) }
            let parameters =
                #"{"highestLevel":"T1","lowestLevel":"L5","minimumPainHospitalised":8,"minimumPainOutpatient":5,"stablePainCriteriaRequired":2,"conservativeCareWeeks":6,"maximumLevelsPerSession":3,"myelomaExempt":true,"pregnancyIsAbsolute":true,"severeCollapseWarningPercent":70,"maximumINR":1.5,"minimumPlatelets":50}"#
            try await client.execute(
                uri: "/v1/candidacy-rule-sets", method: .post, headers: .bearer(clinician),
                body: ByteBuffer(json: "{\"name\":\"medicare-default\",\"parameters\":\(parameters)}")
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/v1/candidacy-rule-sets", method: .post, headers: .bearer(admin),
                body: ByteBuffer(json: "{\"name\":\"medicare-default\",\"parameters\":\(parameters)}")
            ) { response in
                #expect(response.status == .created)
                #expect(JSONBody(response)["version"] as? Int == 2)
            }
            try await client.execute(
                uri: "/v1/candidacy-rule-sets", method: .get, headers: .bearer(clinician, json: false)
            ) { response in
                let items = JSONBody(response)["items"] as? [[String: Any]] ?? []
                #expect(items.first { $0["name"] as? String == "medicare-default" }?["version"] as? Int == 2)
            }
            try await client.execute(
                uri: "/v1/candidacy-rule-sets?allVersions=true", method: .get, headers: .bearer(clinician, json: false)
            ) { response in
                #expect((JSONBody(response)["items"] as? [Any])?.count == 4)
            }
            try await client.execute(
                uri: "/v1/referrals/\(id)/evaluations", method: .get, headers: .bearer(clinician, json: false)
            ) { response in
                let first = (JSONBody(response)["items"] as? [[String: Any]])?.first
                #expect((first?["ruleSet"] as? [String: Any])?["version"] as? Int == 1)
            }
            // Rows no constraint could object to: only the trigger refuses them.
            for statement: PostgresQuery in [
                "UPDATE candidacy_rule_sets SET parameters = parameters WHERE name = 'commercial-example'",
                "DELETE FROM candidacy_rule_sets WHERE name = 'commercial-example'",
            ] {
                let error = await #expect(throws: PSQLError.self) { _ = try await db.query(statement) }
                #expect(error?.serverInfo?[.sqlState] == "42501")
            }
        }
    }

    @Test("bad rule set parameters are 400 naming the field; a payer already owned by another set is 409")
    func ruleSetValidation() async throws {
        try await withApp { client, db in
            let admin = try await Fixtures(db).token(.admin)
            let bad =
                #"{"name":"aetna-2027","payer":"Aetna","parameters":{"highestLevel":"L5","lowestLevel":"T1","minimumPainHospitalised":8,"minimumPainOutpatient":5,"stablePainCriteriaRequired":2,"conservativeCareWeeks":6,"maximumLevelsPerSession":2,"myelomaExempt":false,"pregnancyIsAbsolute":true,"severeCollapseWarningPercent":70,"maximumINR":1.5,"minimumPlatelets":50}}"#
            try await client.execute(
                uri: "/v1/candidacy-rule-sets", method: .post, headers: .bearer(admin), body: ByteBuffer(json: bad)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(JSONBody(response).pointers == ["/parameters/lowestLevel"])
            }
            let taken = bad.replacingOccurrences(
                of: #""highestLevel":"L5","lowestLevel":"T1""#, with: #""highestLevel":"T5","lowestLevel":"L5""#
            )
            .replacingOccurrences(of: "Aetna", with: "Commercial Example")
            try await client.execute(
                uri: "/v1/candidacy-rule-sets", method: .post, headers: .bearer(admin), body: ByteBuffer(json: taken)
            ) { response in
                #expect(response.status == .conflict)
            }
        }
    }
}
