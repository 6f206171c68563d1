import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `clinic report nightly` from the built binary against a real database.
@Suite("clinic report nightly")
struct ReportCommandTests {
    private func clinic(_ arguments: [String], _ db: TestDatabase) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(try ChildProcess.clinicExecutable(), arguments, environment: ["DATABASE_URL": db.url])
    }

    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("the HTML report is one well-formed file with the funnel, utilisation and time-to-evaluation charts")
    func htmlReport() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let desert = try await Fixtures(db).schedulableClinic().clinic
            _ = try await Fixtures(db).services().referrals.create(Fixtures.l1WedgeDraft(clinicID: desert.id), idempotencyKey: nil,
                                                                   actor: Fixtures.operator_)
            let path = try scratch().appendingPathComponent("report.html")
            let run = try await clinic(["report", "nightly", "--date", "today", "--format", "html", "--output", path.path], db)
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
            try await Fixtures(db).schedulableClinic()
            let json = try await clinic(["report", "nightly", "--format", "json"], db)
            #expect(json.status == 0)
            let report = try NightlyReport.decoder().decode(NightlyReport.self, from: Data(json.output.utf8))
            #expect(report.utilisation.count == 4)
            let csv = try await clinic(["report", "nightly", "--format", "csv"], db)
            #expect(csv.status == 0)
            let lines = csv.output.split(separator: "\r\n")
            #expect(lines.first == "section,item,field,value")
            #expect(lines.count > 20)
        }
    }

    @Test("a second run for a finished day reads the record: same bytes, one report_runs row")
    func rerunReadsTheRecord() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            try await Fixtures(db).schedulableClinic()
            let first = try await clinic(["report", "nightly", "--format", "text"], db)
            let second = try await clinic(["report", "nightly", "--format", "text"], db)
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
                    group.addTask { try await clinic(["report", "nightly", "--date", "yesterday", "--format", "json"], db) }
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
            let run = try await clinic(["report", "nightly", "--date", "2026-03-10", "--format", "html", "--output-dir", dir.path], db)
            #expect(run.status == 0)
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("nightly-\(desert.id)-2026-03-10.html").path))
        }
    }

    @Test("bad input exits non-zero with what to fix, and records nothing")
    func badInput() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            try await Fixtures(db).schedulableClinic()
            let badDate = try await clinic(["report", "nightly", "--date", "2026-13-01"], db)
            #expect(badDate.status == 1 && badDate.output.contains("/date"))
            let badFormat = try await clinic(["report", "nightly", "--format", "pdf"], db)
            #expect(badFormat.status == 64)
            let unknown = try await clinic(["report", "nightly", "--clinic", UUID().uuidString], db)
            #expect(unknown.status == 1 && unknown.output.contains("clinic"))
            let both = try await clinic(["report", "nightly", "--output", "/tmp/x.html", "--output-dir", "/tmp"], db)
            #expect(both.status == 64)
            let unwritable = try await clinic(["report", "nightly", "--output", "/proc/no-such-dir/report.txt"], db)
            #expect(unwritable.status == 1 && unwritable.output.contains("cannot write"))
            #expect(try await db.count("report_runs") == 0)
        }
    }
}
