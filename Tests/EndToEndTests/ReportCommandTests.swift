import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `clinic report nightly` from the built binary against a real database.
@Suite("clinic report nightly")
struct ReportCommandTests {
    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("the HTML report is one well-formed file with the funnel, utilisation and time-to-evaluation charts")
    func htmlReport() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).schedulableClinic().clinic
            _ = try await Fixtures(db).services().referrals.create(
                Fixtures.l1WedgeDraft(clinicID: desert.id), idempotencyKey: nil,
                actor: Fixtures.operator_)
            let path = try scratch().appendingPathComponent("report.html")
            let run = try await runClinic(
                ["report", "nightly", "--date", "today", "--format", "html", "--output", path.path], db)
            #expect(run.status == 0)
            let html = try String(contentsOf: path, encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            for chart in ["funnel-chart", "utilisation-chart", "time-to-evaluation-chart"] {
                #expect(html.contains("<svg") && html.contains("id=\"\(chart)\""), "\(chart)")
            }
            #expect(html.contains("Desert Spine Center") && html.contains("Procedure Suite 1"))
            // Well-formed: Foundation's XML parser reads the whole document.
            let parser = XMLParser(data: Data(html.utf8))
            #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
        }
    }

    @Test("json and csv forms: JSON decodes to the report, CSV has four columns on every row")
    func jsonAndCSV() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).schedulableClinic().clinic
            // A name with a comma and quotes, which CSV must quote.
            try await ClinicSetupService.postgres(db.database)
                .addResource(
                    clinicID: desert.id, kind: .anesthesia, name: #"Dr. Priya "PP" Patel, CRNA"#,
                    actor: Fixtures.operator_)
            let json = try await runClinic(["report", "nightly", "--format", "json"], db)
            #expect(json.status == 0)
            let report = try NightlyReport.decoder().decode(NightlyReport.self, from: Data(json.output.utf8))
            #expect(report.utilisation.count == 5)
            let csv = try await runClinic(["report", "nightly", "--format", "csv"], db)
            #expect(csv.status == 0)
            let records = Self.csvRecords(csv.output)
            #expect(records.first == ["section", "item", "field", "value"])
            #expect(records.count > 20)
            #expect(records.allSatisfy { $0.count == 4 })
            #expect(records.contains(["resource", #"Dr. Priya "PP" Patel, CRNA"#, "kind", "anesthesia"]))
        }
    }

    /// RFC 4180 records: fields split on commas outside quotes, `""` inside quotes is one quote.
    static func csvRecords(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                record.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }

    @Test(
        "clinic report nightly --network: both clinics' nights and their totals as JSON, the text summary names each clinic, and a finished day reads the same twice"
    )
    func networkSummary() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let mesa = try await Fixtures(db).clinic(name: "Mesa Spine", timeZone: "America/Denver")
            let referrals = try Fixtures(db).services().referrals
            for (clinic, mrn) in [(desert, "DSC-1"), (desert, "DSC-2"), (mesa, "MESA-1")] {
                _ = try await referrals.create(
                    Fixtures.l1WedgeDraft(clinicID: clinic.id, mrn: mrn), idempotencyKey: nil, actor: Fixtures.operator_
                )
            }
            let json = try await runClinic(
                ["report", "nightly", "--network", "--date", "today", "--format", "json"], db)
            #expect(json.status == 0, "\(json.output)")
            let summary = try #require(
                try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            let clinics = summary["clinics"] as? [[String: Any]] ?? []
            #expect(
                Set(clinics.compactMap { ($0["clinic"] as? [String: Any])?["id"] as? String })
                    == [desert.id.description, mesa.id.description])
            let totals = summary["totals"] as? [String: Any]
            #expect((totals?["newReferrals"] as? [String: Any])?["total"] as? Int == 3)

            let text = try await runClinic(["report", "nightly", "--network", "--date", "today"], db)
            #expect(
                text.status == 0 && text.output.contains("Desert Spine Center") && text.output.contains("Mesa Spine"))
            #expect(text.output.contains("All 2 clinics"), "\(text.output)")

            let first = try await runClinic(["report", "nightly", "--network", "--date", "yesterday"], db)
            let second = try await runClinic(["report", "nightly", "--network", "--date", "yesterday"], db)
            // Each clinic's night is read from its record; only the summary's own "Generated" line is new.
            func recorded(_ output: String) -> [Substring] {
                output.split(separator: "\n").filter { !$0.hasPrefix("Generated ") }
            }
            #expect(first.status == 0 && recorded(first.output) == recorded(second.output))
            #expect(try await db.count("report_runs") == 2)
        }
    }

    @Test(
        "--network refuses a clinic and the csv and html formats, exits non-zero and records nothing",
        arguments: [["--clinic", "CLINIC"], ["--format", "csv"], ["--format", "html"]])
    func networkSummaryRefusals(extra: [String]) async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).clinic()
            let run = try await runClinic(
                ["report", "nightly", "--network", "--date", "yesterday"]
                    + extra.map { $0 == "CLINIC" ? desert.id.description : $0 }, db)
            #expect(run.status != 0)
            #expect(run.output.contains("network"), "\(run.output)")
            #expect(try await db.count("report_runs") == 0)
        }
    }

    @Test("a second run for a finished day reads the record: same bytes, one report_runs row")
    func rerunReadsTheRecord() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            try await Fixtures(db).schedulableClinic()
            let first = try await runClinic(["report", "nightly", "--format", "text"], db)
            let second = try await runClinic(["report", "nightly", "--format", "text"], db)
            #expect(first.status == 0 && second.status == 0)
            #expect(first.output == second.output)
            #expect(try await db.count("report_runs") == 1)
        }
    }

    @Test("four servers' nightly jobs started at once: one record, and every copy of the report is the same")
    func concurrentProcesses() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            try await Fixtures(db).schedulableClinic()
            let runs = try await withThrowingTaskGroup(of: (status: Int32, output: String).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await runClinic(["report", "nightly", "--date", "yesterday", "--format", "json"], db)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(runs.allSatisfy { $0.status == 0 })
            #expect(Set(runs.map(\.output)).count == 1)
            #expect(try await db.count("report_runs") == 1)
        }
    }

    @Test("--output-dir names the file by clinic and date")
    func outputDirectory() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).schedulableClinic().clinic
            let dir = try scratch().appendingPathComponent("reports")
            let run = try await runClinic(
                ["report", "nightly", "--date", "2026-03-10", "--format", "html", "--output-dir", dir.path], db)
            #expect(run.status == 0)
            #expect(
                FileManager.default.fileExists(
                    atPath: dir.appendingPathComponent("nightly-\(desert.id)-2026-03-10.html").path))
        }
    }

    @Test("bad input exits non-zero with what to fix, and records nothing")
    func badInput() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            try await Fixtures(db).schedulableClinic()
            let badDate = try await runClinic(["report", "nightly", "--date", "2026-13-01"], db)
            #expect(badDate.status == 1 && badDate.output.contains("--date must be a date as YYYY-MM-DD"))
            let badFormat = try await runClinic(["report", "nightly", "--format", "pdf"], db)
            #expect(badFormat.status == 64)
            let unknown = try await runClinic(["report", "nightly", "--clinic", UUID().uuidString], db)
            #expect(unknown.status == 1 && unknown.output.contains("/clinicId: no clinic has this id"))
            let both = try await runClinic(
                ["report", "nightly", "--output", "/tmp/x.html", "--output-dir", "/tmp"], db)
            #expect(both.status == 64)
            let unwritable = try await runClinic(["report", "nightly", "--output", "/proc/no-such-dir/report.txt"], db)
            #expect(unwritable.status == 1 && unwritable.output.contains("cannot write"))
            #expect(try await db.count("report_runs") == 0)
        }
    }
}
