import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicReports
import ClinicServices
import Foundation

/// `clinic report nightly`: the morning report for a clinic's day, as text, JSON, CSV or one HTML file.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports on the pathway.", subcommands: [Nightly.self])

    /// The forms the report is written in.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json, csv, html
    }

    struct Nightly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The nightly admin report for one clinic's day.",
            discussion: """
                A finished day's report is recorded in the database the first time it is made; later and \
                concurrent runs (every server may run the nightly job) read that record, so each copy shows \
                the same numbers. --recompute replaces the record. Today's report is made afresh each time.

                --network writes the network summary instead: every clinic's report for the day (each on its \
                own calendar) and the network's totals, as text (a line per clinic and the totals) or JSON \
                (every clinic's whole report and the totals).
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The day in the clinic's time zone: YYYY-MM-DD, today or yesterday.") var date = "yesterday"
        @Option(help: "The clinic's id; may be left out when there is only one clinic.") var clinic: String?
        @Flag(help: "The network summary: every clinic's report and the totals (text or json).") var network = false
        @Option(help: "text, json, csv or html.") var format: Format = .text
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @Option(help: "Write to DIR/nightly-<clinic id>-<date>.<format>, creating DIR if needed.") var outputDir:
            String?
        @Flag(help: "Compute the report again and replace the recorded one.") var recompute = false

        func validate() throws {
            if output != nil && outputDir != nil { throw ValidationError("give --output or --output-dir, not both") }
            if network && clinic != nil { throw ValidationError("give --clinic or --network, not both") }
            if network && ![.text, .json].contains(format) {
                throw ValidationError("the network summary is written as text or json, not \(format.rawValue)")
            }
        }

        func run() async throws {
            // A destination that cannot be written is found before anything is computed or recorded.
            let directory = outputDir ?? output.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
            if let directory { try await CommandRuntime.run { try Self.prepare(directory) } }
            let settings = Settings(flags: ["database.url": database.databaseURL])
            try await CommandRuntime.run {
                try await CommandRuntime.withDatabase(settings) { db in
                    try await CommandRuntime.withReportsReplica(settings) { replica in
                        try await make(APIServices.postgres(db, reportsReplica: replica))
                    }
                }
            }
        }

        private func make(_ services: APIServices) async throws {
            guard let day = ReportDay(text: date) else {
                throw CLIError.failed("--date must be a date as YYYY-MM-DD, or today or yesterday, not \"\(date)\"")
            }
            let actor = Actor(principal: .commandLine("clinic report nightly"), requestID: nil, at: Date())
            if network {
                let summary = try await services.reports.network(day: day, recompute: recompute, actor: actor)
                let body =
                    format == .json ? String(decoding: try summary.json(), as: UTF8.self) + "\n" : summary.text()
                let path = outputDir.map { "\($0)/nightly-network-\(date).\(format.rawValue)" } ?? output
                guard let path else {
                    FileHandle.standardOutput.write(Data(body.utf8))
                    return
                }
                try Self.write(body, to: path)
                FileHandle.standardError.write(
                    Data(
                        "Wrote the network summary for \(date) (\(summary.clinics.count) clinics) to \(path).\n"
                            .utf8))
                return
            }
            let recorded = try await services.reports.nightly(
                clinicID: try clinic.map { try ClinicID.parse($0, "--clinic") }, day: day, recompute: recompute,
                actor: actor)
            let report = recorded.report
            let body: String =
                switch format {
                case .text: report.text()
                case .json: String(decoding: try report.json(), as: UTF8.self) + "\n"
                case .csv: report.csv()
                case .html: report.html()
                }
            let path =
                outputDir.map { "\($0)/nightly-\(report.clinic.id)-\(report.date).\(format.rawValue)" } ?? output
            guard let path else {
                FileHandle.standardOutput.write(Data(body.utf8))
                return
            }
            try Self.write(body, to: path)
            let origin =
                recorded.reused
                ? "from the record made at \(report.generatedAt.formatted(.iso8601))" : "computed now"
            FileHandle.standardError.write(
                Data("Wrote the \(report.date) report for \(report.clinic.name) to \(path) (\(origin)).\n".utf8))
        }

        /// Creates the output directory if needed and checks it can be written to.
        static func prepare(_ directory: String) throws {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw CLIError.failed("cannot write to \(directory): \((error as NSError).localizedDescription)")
            }
            guard FileManager.default.isWritableFile(atPath: directory) else {
                throw CLIError.failed("cannot write to \(directory): permission denied")
            }
        }

        /// Writes next to the target and renames, so a reader (or a crash) never sees half a report.
        static func write(_ body: String, to path: String) throws {
            do {
                try Data(body.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CLIError.failed("cannot write \(path): \((error as NSError).localizedDescription)")
            }
        }
    }
}
