import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic referrals list`: the work queue from the command line, with the filters of `GET /v1/referrals`.
struct ReferralsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referrals", abstract: "Work the referral queue from the command line.",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List referrals, newest first, with the filters of GET /v1/referrals.",
            discussion: """
                Pages through the list until --limit referrals are shown. Like the API, each page read is \
                audited as a read of patient data (actor "clinic referrals list"). Dates are each clinic's \
                calendar dates.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Only this clinic's referrals.", valueName: "clinic-id")) var clinic: String?
        @Option(help: "Only referrals in this status: \(ReferralStatus.allCases.map(\.code).joined(separator: ", ")).")
        var status: String?
        @Option(help: "Only this urgency: routine, urgent or surgical_review.") var urgency: String?
        @Flag(help: "Only referrals past their evaluation due date and still waiting for the evaluation.") var overdue =
            false
        // Unconditional so that "-1" reaches validate() and gets its message, rather than reading as a flag.
        @Option(
            name: .customLong("window-closing-within"), parsing: .unconditional,
            help: ArgumentHelp(
                "Only referrals without a procedure whose candidacy window closes within this many days (0 = today, up to 365).",
                valueName: "days"))
        var windowClosingWithin: Int?
        @Option(
            help: ArgumentHelp("Show at most this many referrals (1-10000), fetched a page at a time.", valueName: "n"))
        var limit = 100
        @Flag(help: "Print a JSON array instead of text.") var json = false

        func validate() throws {
            if let days = windowClosingWithin, days < 0 {
                throw ValidationError("--window-closing-within must be 0 (closes today) or more days, not \(days)")
            }
            guard (1...10_000).contains(limit) else {
                throw ValidationError("--limit must be from 1 to 10000, not \(limit)")
            }
        }

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let actor = Actor(principal: .commandLine("clinic referrals list"), requestID: nil, at: Date())
                let clinics = PostgresClinicStore(database: db)
                let service = try APIServices.postgres(db).referrals
                let now = Date()
                var referrals: [Referral] = []
                var cursor: ReferralCursor?
                repeat {
                    let request = ReferralService.ListRequest(
                        status: try status.map { text in
                            guard let status = ReferralStatus(code: text) else {
                                throw CLIError.failed(
                                    "--status must be one of \(ReferralStatus.allCases.map(\.code).joined(separator: ", "))"
                                )
                            }
                            return status
                        },
                        urgency: try urgency.map { text in
                            guard let urgency = Urgency(rawValue: text) else {
                                throw CLIError.failed("--urgency must be routine, urgent or surgical_review")
                            }
                            return urgency
                        },
                        clinicID: try clinic.map { try ClinicID.parse($0, "--clinic") }, overdue: overdue ? true : nil,
                        windowClosingWithinDays: windowClosingWithin,
                        limit: min(limit - referrals.count, ReferralService.maximumPageSize), after: cursor)
                    let page = try await service.list(request, actor: actor)
                    referrals += page.items
                    cursor = page.next
                } while cursor != nil && referrals.count < limit

                var clinicsByID: [ClinicID: Clinic] = [:]
                for id in Set(referrals.map(\.clinicID)) { clinicsByID[id] = try await clinics.clinic(id: id) }
                let rows = referrals.map { ReferralRow($0, clinic: clinicsByID[$0.clinicID], now: now) }
                if json {
                    print(try ReferralRow.json(rows))
                } else {
                    print(ReferralRow.table(rows, more: cursor != nil))
                }
            }
        }
    }
}

/// One referral as `referrals list` shows it: dates on its clinic's calendar.
struct ReferralRow {
    let referral: Referral
    let receivedOn: LocalDate?
    let overdue: Bool

    init(_ referral: Referral, clinic: Clinic?, now: Date) {
        self.referral = referral
        receivedOn = clinic.map { LocalDate(referral.createdAt, in: $0.timeZone.zone) }
        overdue = clinic.map { referral.isOverdue(today: $0.today(at: now)) } ?? false
    }

    static func table(_ rows: [ReferralRow], more: Bool) -> String {
        let header = ["RECEIVED", "STATUS", "URGENCY", "DUE", "WINDOW CLOSES", "PATIENT", "MRN", "REFERRAL"]
        let cells = rows.map { row -> [String] in
            let referral = row.referral
            let patient = referral.patient.details
            return [
                row.receivedOn?.description ?? "-", referral.status.code, referral.urgency?.rawValue ?? "-",
                (referral.evaluationDueOn?.description ?? "-") + (row.overdue ? " overdue" : ""),
                referral.windowClosesOn?.description ?? "-", "\(patient.familyName), \(patient.givenName)",
                patient.mrn.value, referral.id.description,
            ]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max()! }
        let lines = ([header] + cells).map { line in
            line.enumerated().map { column, text in
                column == line.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        let count = "\(rows.count) referral\(rows.count == 1 ? "" : "s")\(more ? " (more match: raise --limit)" : "")."
        return (rows.isEmpty ? [count] : lines + [count]).joined(separator: "\n")
    }

    /// Stable camelCase keys, the API's names where it has them; absent values are null, never missing.
    static func json(_ rows: [ReferralRow]) throws -> String {
        let format = ISO8601DateFormatter()
        let objects: [[String: Any]] = rows.map { row in
            let referral = row.referral
            let patient = referral.patient.details
            let optional: (String?) -> Any = { text in if let text { text } else { NSNull() } }
            return [
                "id": referral.id.description, "clinicId": referral.clinicID.description,
                "patientId": referral.patient.id.description, "mrn": patient.mrn.value,
                "givenName": patient.givenName.value, "familyName": patient.familyName.value,
                "status": referral.status.code, "urgency": optional(referral.urgency?.rawValue),
                "evaluationDueOn": optional(referral.evaluationDueOn?.description),
                "windowClosesOn": optional(referral.windowClosesOn?.description),
                "overdue": row.overdue, "receivedOn": optional(row.receivedOn?.description),
                "createdAt": format.string(from: referral.createdAt), "version": referral.version,
            ]
        }
        return String(
            decoding: try JSONSerialization.data(
                withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes]),
            as: UTF8.self)
    }
}
