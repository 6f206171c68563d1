import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation

/// `clinic clinic show|targets`: a clinic's settings from the command line.
struct ClinicAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic", abstract: "Create and show clinics, and set their triage targets.",
        subcommands: [Create.self, Show.self, Targets.self, Settings.self])

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how long visits take; options left out stay as they are.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The clinic's id.") var id: String
        @Option(help: "Procedure minutes per treated level (10-240).") var minutesPerLevel: Int?
        @Option(help: "Room turnover after a procedure (0-240).") var turnoverMinutes: Int?
        @Option(help: "Observation before same-day discharge (0-480).") var recoveryMinutes: Int?
        @Option(help: "Evaluation visit length (5-480).") var evaluationMinutes: Int?
        @Option(help: "Follow-up visit length (5-480).") var followUpMinutes: Int?
        @Option(help: "How long a hold reserves its time (1-1440).") var holdMinutes: Int?
        @Option(help: "How long a waitlist offer stays open, in hours (1-336).") var offerHours: Int?

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let setup = try await ClinicSetupService.postgres(db).setVisitSettings(
                    clinicID: try ClinicID.parse(id, "the clinic id"),
                    VisitSettings(
                        minutesPerLevel: minutesPerLevel, turnoverMinutes: turnoverMinutes,
                        recoveryMinutes: recoveryMinutes,
                        evaluationMinutes: evaluationMinutes, followUpMinutes: followUpMinutes,
                        holdMinutes: holdMinutes,
                        offerHours: offerHours),
                    actor: Actor(principal: .commandLine("clinic clinic settings"), requestID: nil, at: Date()))
                print(
                    "\(setup.clinic.name): \(setup.minutesPerLevel) min per level, turnover \(setup.turnoverMinutes), recovery \(setup.recoveryMinutes), evaluation \(setup.evaluationMinutes), follow-up \(setup.followUpMinutes) minutes."
                )
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a clinic with its IANA time zone and opening hours.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The clinic's name.") var name: String
        @Option(help: "IANA time zone, e.g. America/Denver.") var timeZone: String
        @Option(name: .customLong("hours"), help: "Opening hours, DAYS=HH:MM-HH:MM (repeatable), e.g. 1-5=07:00-17:00.")
        var hours: [String] = []

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let setup = try await ClinicSetupService.postgres(db)
                    .createClinic(
                        name: name, timeZone: timeZone,
                        hours: try WeeklySpec.parse(hours).map { ($0.weekday, $0.starts, $0.ends) },
                        actor: Actor(principal: .commandLine("clinic clinic create"), requestID: nil, at: Date()))
                print(
                    "Created \(setup.clinic.name) (\(setup.clinic.id)) in \(setup.clinic.timeZone), open \(setup.hours.count) day(s) a week."
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a clinic's zone and triage targets.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The clinic's id.") var id: String
        @Flag(help: "Print JSON for scripts.") var json = false

        /// What `--json` prints.
        struct Shown: Encodable {
            let id: String
            let name: String
            let timeZone: String
            let urgentDueDays: Int
            let routineDueDays: Int
            let candidacyWindowDays: Int
        }

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                guard let clinicID = ClinicID(string: id) else {
                    throw CLIError.failed("\(id) is not a clinic id (a UUID)")
                }
                let store = PostgresClinicStore(database: db)
                guard let (clinic, targets) = try await store.clinicAndTargets(id: clinicID) else {
                    throw CLIError.failed("no clinic has id \(id)")
                }
                if json {
                    let shown = Shown(
                        id: clinic.id.description, name: clinic.name.value, timeZone: clinic.timeZone.identifier,
                        urgentDueDays: targets.urgentDueDays, routineDueDays: targets.routineDueDays,
                        candidacyWindowDays: targets.candidacyWindowDays)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(shown), as: UTF8.self))
                    return
                }
                print(
                    """
                    \(clinic.name) (\(clinic.id))
                    time zone:          \(clinic.timeZone)
                    urgent due in:      \(targets.urgentDueDays) days
                    routine due in:     \(targets.routineDueDays) days
                    candidacy window:   \(targets.candidacyWindowDays) days from onset (or first imaging)
                    """)
            }
        }
    }

    struct Targets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a clinic's triage targets (days to evaluation by urgency, candidacy window).",
            discussion: "Existing referrals keep their due dates until they are next re-triaged.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The clinic's id.") var id: String
        @Option(help: "Days from receipt to evaluation for urgent referrals (0-60).") var urgentDays: Int?
        @Option(help: "Days from receipt to evaluation for routine referrals (0-180).") var routineDays: Int?
        @Option(help: "Days the candidacy window stays open after onset (1-365; 84 = 12 weeks).") var windowDays: Int?

        func validate() throws {
            if urgentDays == nil && routineDays == nil && windowDays == nil {
                throw ValidationError("say what to change: --urgent-days, --routine-days and/or --window-days")
            }
        }

        func run() async throws {
            try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
                let targets = try await ClinicSetupService.postgres(db).setTriageTargets(
                    clinicID: try ClinicID.parse(id, "the clinic id"), urgentDueDays: urgentDays,
                    routineDueDays: routineDays, candidacyWindowDays: windowDays,
                    actor: Actor(principal: .commandLine("clinic clinic targets"), requestID: nil, at: Date()))
                print(
                    "Triage targets: urgent \(targets.urgentDueDays) days, routine \(targets.routineDueDays) days, window \(targets.candidacyWindowDays) days."
                )
            }
        }
    }
}
