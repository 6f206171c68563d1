import ArgumentParser
import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicSimulation
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `clinic seed --demo | --synthetic | --network`: the demo clinic, weeks of synthetic referral
/// history, or a regional network's two years written in bulk.
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
            --network [--clinics C] [--referrals N] [--appointments A]: a regional network for benchmarks: C clinics \
            (default 20) with ten resources each, N referrals (default 1000000) spread over the last --days days \
            (default 730) with their imaging, triage, events, evaluations and about A visits (default 300000), each \
            referral checked by the domain's own rules and moved by its state machine, written with COPY. COPY is \
            refused under row-level security, so it needs the schema owner's --database-url (as `clinic migrate`). \
            A seed names one network: a seed already loaded is refused (exit 1).
            Progress goes to stderr (a bar on a terminal, a line every 10% otherwise), the summary to stdout.
            """)

    static let referralRange = 1...1_000_000
    static let dayRange = 7...3650

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "The demo clinic in America/Phoenix with rooms, clinicians, referrals and six weeks of history.")
    var demo = false
    @Flag(help: "Replay synthetic referral history (with --referrals).")
    var synthetic = false
    @Flag(help: "Write a regional network's history in bulk (as the schema owner).")
    var network = false
    @Option(help: "With --synthetic: how many referrals, 1 to 1000000; with --network, 1 to 5000000 (default 1000000).")
    var referrals: Int?
    @Option(help: "With --network: how many clinics, 1 to 100 (default 20).")
    var clinics: Int?
    @Option(help: "With --network: about how many visits, 0 to referrals x 0.95 (default 300000, at most that).")
    var appointments: Int?
    @Option(
        help:
            "With --synthetic: the id of a clinic with resources and weekly templates (default: the synthetic Denver clinic)."
    )
    var clinic: String?
    @Option(
        help:
            "With --synthetic: days of history ending yesterday, 7 to 3650 (default: about 9 referrals a weekday, at least 42)."
    )
    var days: Int?
    @Option(help: "With --synthetic: the random seed; the same seed gives the same history (default 1).")
    var seed: UInt64?

    static let networkReferralRange = 1...5_000_000
    static let clinicRange = 1...100

    /// The network `--network` writes, its defaults filled in: what `validate()` checks is what
    /// `bulkLoad` writes.
    var networkPlan: NetworkHistory.Plan {
        let count = referrals ?? 1_000_000
        return NetworkHistory.Plan(
            clinics: clinics ?? 20, referrals: count,
            appointments: appointments ?? min(300_000, Int(Double(count) * 0.3)),
            days: days ?? 730, seed: seed ?? 1)
    }

    func validate() throws {
        if network {
            guard !demo && !synthetic else {
                throw ArgumentParser.ValidationError("--network excludes --demo and --synthetic: choose one")
            }
            if clinic != nil { throw ArgumentParser.ValidationError("--clinic goes with --synthetic, not --network") }
            let count = networkPlan.referrals
            guard Self.networkReferralRange.contains(count) else {
                throw ArgumentParser.ValidationError(
                    "--referrals must be from 1 to \(Self.networkReferralRange.upperBound), not \(count)")
            }
            if let clinics, !Self.clinicRange.contains(clinics) || clinics > count {
                throw ArgumentParser.ValidationError(
                    "--clinics must be from 1 to \(Self.clinicRange.upperBound) and at most --referrals, not \(clinics)"
                )
            }
            if let appointments, appointments < 0 || Double(appointments) > Double(count) * 0.95 {
                throw ArgumentParser.ValidationError(
                    "--appointments must be from 0 to 95% of --referrals (\(Int(Double(count) * 0.95))), not \(appointments)"
                )
            }
            if let days, !Self.dayRange.contains(days) {
                throw ArgumentParser.ValidationError(
                    "--days must be from \(Self.dayRange.lowerBound) to \(Self.dayRange.upperBound), not \(days)")
            }
            return
        }
        if clinics != nil || appointments != nil {
            throw ArgumentParser.ValidationError("--clinics and --appointments go with --network")
        }
        switch (demo, synthetic) {
        case (false, false):
            throw ArgumentParser.ValidationError(
                "say what to seed: --demo, --synthetic --referrals N, or --network")
        case (true, true):
            throw ArgumentParser.ValidationError("--demo and --synthetic exclude each other: choose one")
        case (true, false):
            if referrals != nil || clinic != nil || days != nil || seed != nil {
                throw ArgumentParser.ValidationError(
                    "--referrals, --clinic, --days and --seed go with --synthetic, not --demo")
            }
        case (false, true):
            guard let referrals else {
                throw ArgumentParser.ValidationError(
                    "--synthetic needs --referrals N (1 to \(Self.referralRange.upperBound))")
            }
            guard Self.referralRange.contains(referrals) else {
                throw ArgumentParser.ValidationError(
                    "--referrals must be from 1 to \(Self.referralRange.upperBound), not \(referrals)")
            }
            if let days, !Self.dayRange.contains(days) {
                throw ArgumentParser.ValidationError(
                    "--days must be from \(Self.dayRange.lowerBound) to \(Self.dayRange.upperBound), not \(days)")
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
            do {
                if demo {
                    print(try await DemoSeed(services: services, clock: clock).load())
                } else if network {
                    print(try await bulkLoad(db, services, now: clock.now))
                } else {
                    print(try await synthesize(services, clock))
                }
            } catch let error as SeedError {
                throw CLIError.failed(error.description)
            }
        }
    }

    private func bulkLoad(_ db: ClinicDatabase, _ services: APIServices, now: Date) async throws -> String {
        // COPY FROM is refused under row-level security: say so before anything is written.
        guard try await ServerDiagnostics(database: db).role().bypassesRowSecurity else {
            throw CLIError.configuration(
                "seed --network writes with COPY, which PostgreSQL refuses under row-level security: "
                    + "run it with the schema owner's --database-url, as clinic migrate")
        }
        let plan = networkPlan
        let progress = SeedProgress(total: plan.referrals)
        let started = ContinuousClock.now
        let outcome: NetworkHistory.Outcome
        do {
            outcome = try await NetworkHistory(
                services: services, store: PostgresBulkHistoryStore(database: db), now: now
            ).load(plan, progress: progress.update)
            progress.finish()
        } catch let loaded as NetworkHistory.AlreadyLoaded {
            progress.finish()
            throw CLIError.failed(loaded.description)
        } catch {
            progress.finish()
            throw error
        }
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        return
            "Network history (seed \(plan.seed)): \(outcome.clinics.count) clinics, \(outcome.referrals) referrals, "
            + "\(outcome.events) events, \(outcome.evaluations) evaluations, \(outcome.appointments) appointments "
            + "over the \(plan.days) days before today; \(Int(elapsed)) s, "
            + "\(Int(Double(outcome.referrals) / max(elapsed, 0.001))) referrals/s"
    }

    private func synthesize(_ services: APIServices, _ clock: SimulatedClock) async throws -> String {
        let count = referrals ?? 1
        let seed = seed ?? 1
        let progress = SeedProgress(total: count)
        let started = ContinuousClock.now
        let outcome: SyntheticHistory.Outcome
        do {
            outcome = try await SyntheticHistory(services: services, clock: clock).load(
                referrals: count, seed: seed,
                days: days ?? SyntheticHistory.defaultDays(referrals: count, maximum: Self.dayRange.upperBound),
                clinicID: clinic.flatMap(ClinicID.init(string:)), progress: progress.update)
            progress.finish()
        } catch {
            progress.finish()
            throw error
        }
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        let summary = outcome.summary
        for (step, times) in summary.skipped.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("skipped \(times)x \(step)\n".utf8))
        }
        return
            "Synthetic history (seed \(seed)) at \(outcome.clinic.name) (\(outcome.clinic.id), \(outcome.clinic.timeZone)), "
            + "\(outcome.firstDay) to \(outcome.lastDay): \(summary.referralsCreated) referrals created (\(summary.surgicalReview) to surgical review), "
            + "\(summary.evaluations) evaluations (\(summary.candidates) candidates), \(summary.proceduresDone) procedures done, "
            + "\(summary.closed) closed after follow-up, \(summary.visitsCancelled) visits cancelled, \(summary.noShows) no-shows, "
            + "\(summary.referralsCancelled) referrals cancelled (\(summary.handedToSurgery) to spine surgery), \(summary.bookingsAfterEnd) bookings after \(outcome.lastDay), "
            + "\(summary.skippedTotal) skipped; \(String(format: "%.1f", elapsed)) s, "
            + "\(String(format: "%.1f", Double(count) / max(elapsed, 0.001))) referrals/s"
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
            write(
                "\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
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
