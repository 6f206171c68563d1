import ClinicApp
import ArgumentParser
import ClinicDomain
import ClinicPostgres
import ClinicServices
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `clinic seed --demo | --synthetic`: the demo clinic, or weeks of synthetic referral history.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Load the demo clinic, or replay synthetic referral history through the services.",
        discussion: """
            --demo: the demo clinic in America/Phoenix with its rooms and clinicians, five named referrals, and about \
            six weeks of history ending yesterday. Safe to run again: what exists is left as it is, and the history is \
            loaded only with a new clinic.

            --synthetic --referrals N: N referrals replayed day by day on a simulated clock over the last --days days, \
            ending yesterday in the clinic's zone: imaging arrives, referrals are triaged, booked, evaluated, booked for \
            a procedure, treated and followed up, some visits are cancelled or missed, and bookings reach into the next \
            week. Without --clinic it uses the synthetic clinic Front Range Spine Center (America/Denver), set up on \
            first use. A seed names one history: a seed already loaded at the clinic is refused (exit 1).
            Progress goes to stderr (a bar on a terminal, a line every 10% otherwise), the summary to stdout.
            """)

    static let referralRange = 1...1_000_000
    static let dayRange = 7...3650

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "The demo clinic in America/Phoenix with rooms, clinicians, referrals and six weeks of history.")
    var demo = false
    @Flag(help: "Replay synthetic referral history (with --referrals).")
    var synthetic = false
    @Option(help: "With --synthetic: how many referrals, 1 to 1000000.")
    var referrals: Int?
    @Option(help: "With --synthetic: the id of a clinic with resources and weekly templates (default: the synthetic Denver clinic).")
    var clinic: String?
    @Option(help: "With --synthetic: days of history ending yesterday, 7 to 3650 (default: about 9 referrals a weekday, at least 42).")
    var days: Int?
    @Option(help: "With --synthetic: the random seed; the same seed gives the same history (default 1).")
    var seed: UInt64?

    func validate() throws {
        switch (demo, synthetic) {
        case (false, false):
            throw ArgumentParser.ValidationError("say what to seed: --demo, or --synthetic --referrals N")
        case (true, true):
            throw ArgumentParser.ValidationError("--demo and --synthetic exclude each other: choose one")
        case (true, false):
            if referrals != nil || clinic != nil || days != nil || seed != nil {
                throw ArgumentParser.ValidationError("--referrals, --clinic, --days and --seed go with --synthetic, not --demo")
            }
        case (false, true):
            guard let referrals else {
                throw ArgumentParser.ValidationError("--synthetic needs --referrals N (1 to \(Self.referralRange.upperBound))")
            }
            guard Self.referralRange.contains(referrals) else {
                throw ArgumentParser.ValidationError("--referrals must be from 1 to \(Self.referralRange.upperBound), not \(referrals)")
            }
            if let days, !Self.dayRange.contains(days) {
                throw ArgumentParser.ValidationError("--days must be from \(Self.dayRange.lowerBound) to \(Self.dayRange.upperBound), not \(days)")
            }
            if let clinic, ClinicID(string: clinic) == nil {
                throw ArgumentParser.ValidationError("--clinic must be a clinic id (a UUID), not \"\(clinic)\"")
            }
        }
    }

    func run() async throws {
        try await CommandRuntime.withDatabase(url: database.databaseURL) { db in
            // The services read this clock; outside a replay it is simply the time the command started.
            let clock = SimulatedClock(Date())
            let services = try APIServices.postgres(db, now: { clock.now })
            if demo {
                print(try await DemoSeed(services: services, clock: clock).load())
            } else {
                print(try await synthesize(services, clock))
            }
        }
    }

    /// Enough days for about 9 new referrals a weekday, what one consult room evaluates (45-minute
    /// visits, plus the follow-ups): the default clinic keeps up, and queues still form.
    static func defaultDays(referrals: Int) -> Int {
        let weekdays = (referrals + 8) / 9
        return min(dayRange.upperBound, max(42, (weekdays * 7 + 4) / 5))
    }

    private func synthesize(_ services: APIServices, _ clock: SimulatedClock) async throws -> String {
        let count = referrals ?? 1
        let seed = seed ?? 1
        let actor = Actor(principal: .commandLine("clinic seed --synthetic"), requestID: nil, at: Date())
        var clinicID = SyntheticClinic.id
        if let clinic { clinicID = clinic } else { try await SyntheticClinic.prepare(services.setup, actor: actor) }
        let setup = try await services.setup.clinicSetup(id: clinicID)
        try await SyntheticClinic.checkBookable(setup, resources: services.setup.resources(clinicID: clinicID))
        let yesterday = setup.clinic.today(at: Date()).adding(days: -1)
        let span = days ?? Self.defaultDays(referrals: count)
        let firstDay = yesterday.adding(days: -(span - 1))
        // Accession numbers are unique per source system across clinics, so they carry the clinic too.
        let clinicTag = String(setup.clinic.id.description.prefix(8)).uppercased()
        let plan = ClinicSimulation.Plan(
            clinic: setup, referrals: count, firstDay: firstDay, lastDay: yesterday, seed: seed, mrnPrefix: "SYN\(seed)-",
            accessionPrefix: "S\(seed)-\(clinicTag)-", keyPrefix: "synthetic-\(seed)-\(clinicTag)-",
            sourceSystems: ["synthetic-ris", "synthetic-pacs"], actorName: "clinic seed --synthetic")
        let progress = SeedProgress(total: count)
        let started = ContinuousClock.now
        let summary: ClinicSimulation.Summary
        do {
            summary = try await ClinicSimulation(services: services, clock: clock, plan: plan).run(progress: progress.update)
            progress.finish()
        } catch let loaded as ClinicSimulation.AlreadyLoaded {
            progress.finish()
            throw CLIError.failed("seed \(seed) is already loaded at clinic \(setup.clinic.id) (accession \(loaded.accession) exists): "
                + "run with another --seed, or against a fresh database")
        } catch {
            progress.finish()
            throw error
        }
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        for (step, times) in summary.skipped.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("skipped \(times)x \(step)\n".utf8))
        }
        return "Synthetic history (seed \(seed)) at \(setup.clinic.name) (\(setup.clinic.id), \(setup.clinic.timeZone)), "
            + "\(firstDay) to \(yesterday): \(summary.referralsCreated) referrals created (\(summary.surgicalReview) to surgical review), "
            + "\(summary.evaluations) evaluations (\(summary.candidates) candidates), \(summary.proceduresDone) procedures done, "
            + "\(summary.closed) closed after follow-up, \(summary.visitsCancelled) visits cancelled, \(summary.noShows) no-shows, "
            + "\(summary.referralsCancelled) referrals cancelled (\(summary.handedToSurgery) to spine surgery), \(summary.bookingsAfterEnd) bookings after \(yesterday), "
            + "\(summary.skippedTotal) skipped; \(String(format: "%.1f", elapsed)) s, "
            + "\(String(format: "%.1f", Double(count) / max(elapsed, 0.001))) referrals/s"
    }
}

/// The clinic `seed --synthetic` uses without --clinic: Denver, so the history crosses DST changes;
/// two procedure rooms, a consult room, two proceduralists, two evaluators and an anesthesia
/// provider, all working Monday to Friday 07:00-17:00. Fixed ids make a second run reuse it.
enum SyntheticClinic {
    static let id = "5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c01"
    static let resources: [(id: String, kind: ResourceKind, name: String)] = [
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c11", .procedureRoom, "Procedure Room 1"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c12", .procedureRoom, "Procedure Room 2"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c13", .consultRoom, "Consult Room 1"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c14", .proceduralist, "Dr. Elena Marsh"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c15", .proceduralist, "Dr. Tomas Rivera"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c16", .evaluator, "Dr. Hannah Okafor"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c17", .evaluator, "Dr. Ravi Iyer"),
        ("5e3d1c2b-7a4f-4e21-9c6b-1f0a2d3e4c18", .anesthesia, "Jordan Blake, CRNA"),
    ]

    /// Creates the clinic, its resources and templates, or leaves what exists as it is.
    static func prepare(_ setup: ClinicSetupService, actor: Actor) async throws {
        let hours = try (1...5).map { try OpeningHours(weekday: $0, opens: LocalTime("07:00"), closes: LocalTime("17:00")) }
        // A literal, so it always parses.
        let clinicID = ClinicID(UUID(uuidString: id)!)
        try await setup.createClinic(id: clinicID, name: "Front Range Spine Center", timeZone: "America/Denver", hours: hours, actor: actor)
        for resource in resources {
            try await setup.addResource(id: ResourceID(UUID(uuidString: resource.id)!), clinicID: clinicID, kind: resource.kind,
                                        name: resource.name, actor: actor)
            _ = try await setup.setTemplate(resourceID: resource.id, windows: (1...5).map { ($0, "07:00", "17:00") }, actor: actor)
        }
    }

    /// Refuses a clinic nobody could be booked at, naming what is missing.
    static func checkBookable(_ setup: ClinicSetup, resources: [ResourceSetup]) throws {
        let working = Set(resources.filter { !$0.windows.isEmpty }.map(\.resource.kind))
        let missing = [ResourceKind.consultRoom, .evaluator, .procedureRoom, .proceduralist].filter { !working.contains($0) }
        guard !setup.hours.isEmpty, missing.isEmpty else {
            throw CLIError.failed("clinic \(setup.clinic.id) cannot be booked: "
                + (setup.hours.isEmpty ? "it has no opening hours" : "no \(missing.map(\.rawValue).joined(separator: ", ")) with a weekly template")
                + "; add them with `clinic resource add --clinic ID --kind KIND --name NAME --window 1-5=07:00-17:00`")
        }
    }
}

/// Progress of a long seed on stderr: a bar with the rate and the time left on a terminal, a plain
/// line every 10% otherwise, so logs stay short.
final class SeedProgress {
    private let total: Int
    private let started = ContinuousClock.now
    private let terminal = isatty(2) == 1
    private var drawnAt: ContinuousClock.Instant?
    private var nextTenth = 1

    init(total: Int) { self.total = total }

    func update(_ done: Int) {
        let now = ContinuousClock.now
        let elapsed = (now - started) / .seconds(1)
        let rate = Double(done) / max(elapsed, 0.001)
        if terminal {
            if let drawnAt, now - drawnAt < .milliseconds(200), done < total { return }
            drawnAt = now
            let width = 30
            let filled = total > 0 ? min(width, done * width / total) : width
            let left = rate > 0 ? Int((Double(total - done) / rate).rounded()) : 0
            write("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
                + "\(done)/\(total) referrals  \(Int(rate.rounded()))/s  eta \(left)s\u{1B}[K")
        } else {
            while nextTenth <= 10, done * 10 >= total * nextTenth {
                write("seed: \(done)/\(total) referrals (\(nextTenth * 10)%), \(Int(rate.rounded()))/s\n")
                nextTenth += 1
            }
        }
    }

    /// Ends the bar's line, so what follows starts on its own.
    func finish() {
        if terminal, drawnAt != nil { write("\n") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
