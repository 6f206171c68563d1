import ClinicDomain
import ClinicServices
import Foundation

/// `seed --synthetic`: a clinic's history over the last days, replayed through the services on
/// the simulated clock. A seed names one history: the same seed gives the same history, and a
/// seed already loaded at a clinic is refused.
public struct SyntheticHistory {
    /// What was replayed, where and when, and what happened.
    public struct Outcome: Sendable {
        public let clinic: Clinic
        public let firstDay: LocalDate
        public let lastDay: LocalDate
        public let summary: ClinicSimulation.Summary
    }

    public static let actorName = "clinic seed --synthetic"

    let services: APIServices
    /// The clock `services` read; it starts at the command's own now.
    let clock: SimulatedClock

    public init(services: APIServices, clock: SimulatedClock) {
        self.services = services
        self.clock = clock
    }

    /// Enough days for about 9 new referrals a weekday, what one consult room evaluates (45-minute
    /// visits, plus the follow-ups): the default clinic keeps up, and queues still form.
    public static func defaultDays(referrals: Int, maximum: Int) -> Int {
        let weekdays = (referrals + 8) / 9
        return min(maximum, max(42, (weekdays * 7 + 4) / 5))
    }

    /// Replays `referrals` referrals with `seed` over `days` days ending yesterday in the clinic's
    /// zone, at `clinicID` or (nil) the synthetic Denver clinic, made on first use.
    /// - Throws: `SeedError` for a clinic nobody could be booked at or a seed already loaded there.
    public func load(
        referrals: Int, seed: UInt64, days: Int, clinicID: ClinicID?,
        progress: (Int) -> Void
    ) async throws -> Outcome {
        let actor = Actor(principal: .commandLine(Self.actorName), requestID: nil, at: clock.now)
        let id = clinicID ?? SeededClinic.synthetic.id
        if clinicID == nil { try await SeededClinic.synthetic.prepare(services.setup, actor: actor) }
        let setup = try await services.setup.clinicSetup(id: id, actor: actor)
        try setup.checkBookable(resources: try await services.setup.resources(clinicID: id, actor: actor))
        let yesterday = setup.clinic.today(at: clock.now).adding(days: -1)
        let firstDay = yesterday.adding(days: -(days - 1))
        // Accession numbers are unique per source system across clinics, so they carry the clinic too.
        let clinicTag = String(setup.clinic.id.description.prefix(8)).uppercased()
        let plan = ClinicSimulation.Plan(
            clinic: setup, referrals: referrals, firstDay: firstDay, lastDay: yesterday, seed: seed,
            mrnPrefix: "SYN\(seed)-",
            accessionPrefix: "S\(seed)-\(clinicTag)-", keyPrefix: "synthetic-\(seed)-\(clinicTag)-",
            sourceSystems: ["synthetic-ris", "synthetic-pacs"], actorName: Self.actorName)
        do {
            let summary = try await ClinicSimulation(services: services, clock: clock, plan: plan).run(
                progress: progress)
            return Outcome(clinic: setup.clinic, firstDay: firstDay, lastDay: yesterday, summary: summary)
        } catch let loaded as ClinicSimulation.AlreadyLoaded {
            throw SeedError(
                description:
                    "seed \(seed) is already loaded at clinic \(setup.clinic.id) (accession \(loaded.accession) exists): "
                    + "run with another --seed, or against a fresh database")
        }
    }
}
