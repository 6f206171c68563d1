import ClinicDomain
import ClinicServices
import Foundation
import Synchronization

/// `seed --network`: a regional network's history for benchmarks, built through the domain's
/// own validation, triage, state machine and candidacy rules, and written in bulk (COPY), not
/// through the services one call at a time: a million referrals in minutes instead of a day.
///
/// Each clinic has ten resources (two of each kind) open Monday to Friday 07:00-17:00. Its
/// referrals arrive evenly over the days, each walks one path of the state machine up to now, and
/// its visits take the first free times of the resources they need: per resource and day, a
/// cursor that only moves forward, so no two live claims overlap (the database's exclusion
/// constraint checks that again as the rows arrive).
public struct NetworkHistory: Sendable {
    /// How much history, and which: the same seed gives the same network.
    public struct Plan: Sendable {
        public let clinics: Int
        public let referrals: Int
        /// About how many visits: the share of referrals that reach a visit follows from it.
        public let appointments: Int
        public let days: Int
        public let seed: UInt64

        public init(clinics: Int, referrals: Int, appointments: Int, days: Int, seed: UInt64) {
            self.clinics = clinics
            self.referrals = referrals
            self.appointments = appointments
            self.days = days
            self.seed = seed
        }
    }

    /// What was written.
    public struct Outcome: Sendable {
        public var clinics: [ClinicID] = []
        public var referrals = 0
        public var events = 0
        public var evaluations = 0
        public var appointments = 0

        mutating func count(_ batch: [BulkReferral]) {
            referrals += batch.count
            events += batch.reduce(0) { $0 + $1.events.count }
            evaluations += batch.reduce(0) { $0 + ($1.evaluation == nil ? 0 : 1) }
            appointments += batch.reduce(0) { $0 + $1.appointments.count }
        }
    }

    /// The network was loaded with this seed before.
    public struct AlreadyLoaded: Error, CustomStringConvertible {
        public let clinicID: ClinicID
        public var description: String {
            "this seed's network is already loaded (clinic \(clinicID) exists): use another --seed"
        }
    }

    public static let actorName = "clinic seed --network"
    static let batchSize = 2_000

    let services: APIServices
    let store: any BulkHistoryStore
    let now: Date

    public init(services: APIServices, store: any BulkHistoryStore, now: Date) {
        self.services = services
        self.store = store
        self.now = now
    }

    /// Sets up the clinics and writes their histories, calling `progress` with the referrals
    /// written so far after every batch.
    /// - Throws: `AlreadyLoaded` when the seed's first clinic exists.
    public func load(_ plan: Plan, progress: (Int) -> Void) async throws -> Outcome {
        let actor = Actor(principal: .commandLine(Self.actorName), requestID: nil, at: now)
        var random = SplitMix64(seed: plan.seed)
        let clinicIDs = (0..<plan.clinics).map { _ in ClinicID(random.uuid()) }
        if (try? await services.setup.clinicSetup(id: clinicIDs[0], actor: actor)) != nil {
            throw AlreadyLoaded(clinicID: clinicIDs[0])
        }
        guard
            let ruleSet = try await services.evaluations.ruleSets(allVersions: false).first(where: {
                $0.name == "medicare-default"
            })
        else { throw SeedError(description: "the medicare-default candidacy rule set is missing") }
        var clinics: [NetworkClinic] = []
        for (index, id) in clinicIDs.enumerated() {
            clinics.append(try await setUp(id: id, index: index, random: &random, actor: actor))
        }
        let committed = Tally()
        let (written, report) = AsyncStream<Int>.makeStream()
        let work = Task { [self] in
            defer { report.finish() }
            try await load(plan, clinics: clinics, ruleSet: ruleSet, committed: committed, report: report)
        }
        for await total in written { progress(total) }
        do {
            try await work.value
        } catch {
            // Batches commit as they go (a million referrals are not one transaction): say what stays.
            throw SeedError(
                description:
                    "the network load stopped after \(committed.outcome.referrals) referrals were written (\(error)); "
                    + "they stay: load again into a fresh database, or with another --seed")
        }
        return committed.outcome
    }

    /// Two lanes, each taking the next clinic: a lane builds a batch while PostgreSQL takes its
    /// previous one, so both cores work (measured: one lane, generating and writing in turn,
    /// used half the machine).
    private func load(
        _ plan: Plan, clinics: [NetworkClinic], ruleSet: CandidacyRuleSet, committed: Tally,
        report: AsyncStream<Int>.Continuation
    ) async throws {
        let visitShare = Double(plan.appointments) / Double(max(1, plan.referrals))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask { [self] in
                    while let index = committed.nextClinic(below: clinics.count) {
                        let share = plan.referrals / plan.clinics + (index < plan.referrals % plan.clinics ? 1 : 0)
                        var builder = ClinicHistoryBuilder(
                            clinic: clinics[index], index: index, seed: plan.seed, ruleSet: ruleSet,
                            imaging: services.imaging, days: plan.days, referrals: share, visitShare: visitShare,
                            now: now)
                        try await write(
                            &builder, clinicID: clinics[index].clinic.id, committed: committed, report: report)
                        committed.finished(clinics[index].clinic.id)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One clinic's batches, each built while the previous one is written; a batch counts once
    /// its transaction has committed.
    private func write(
        _ builder: inout ClinicHistoryBuilder, clinicID: ClinicID, committed: Tally,
        report: AsyncStream<Int>.Continuation
    ) async throws {
        var writing: (task: Task<Void, any Error>, batch: [BulkReferral])?
        func settle(_ previous: (task: Task<Void, any Error>, batch: [BulkReferral])) async throws {
            try await previous.task.value
            report.yield(committed.add(previous.batch))
        }
        do {
            while let batch = try builder.next(Self.batchSize) {
                if let previous = writing { try await settle(previous) }
                let store = self.store
                writing = (Task { try await store.write(batch, clinicID: clinicID, actorName: Self.actorName) }, batch)
            }
            if let previous = writing { try await settle(previous) }
        } catch {
            if let previous = writing { try? await settle(previous) }
            throw error
        }
    }

    static let zones = [
        "America/Denver", "America/Phoenix", "America/Chicago", "America/New_York", "America/Los_Angeles",
    ]
    static let towns = [
        "Front Range", "Sonoran", "Prairie", "Hudson Valley", "Pacific", "Red Rock", "Great Lakes", "Piedmont",
        "Cascade", "Gulf Coast",
    ]

    /// One clinic with two resources of each kind on the weekly template, through the set-up
    /// service as an administrator would make it.
    private func setUp(id: ClinicID, index: Int, random: inout SplitMix64, actor: Actor) async throws -> NetworkClinic {
        let zone = Self.zones[index % Self.zones.count]
        let name = "\(Self.towns[index % Self.towns.count]) Spine Center \(index + 1)"
        let hours = try (1...5).map {
            try OpeningHours(weekday: $0, opens: LocalTime("07:00"), closes: LocalTime("17:00"))
        }
        let clinic = try await services.setup.createClinic(
            id: id, name: name, timeZone: zone, hours: hours, actor: actor)
        var resources: [ResourceKind: [ResourceID]] = [:]
        let names: [(ResourceKind, String)] = [
            (.procedureRoom, "Procedure Room"), (.consultRoom, "Consult Room"), (.proceduralist, "Dr. Proceduralist"),
            (.evaluator, "Dr. Evaluator"), (.anesthesia, "CRNA"),
        ]
        for (kind, label) in names {
            for number in 1...2 {
                let resource = ResourceID(random.uuid())
                _ = try await services.setup.ensureResource(
                    id: resource, clinicID: id, kind: kind, name: "\(label) \(number)", actor: actor)
                _ = try await services.setup.setTemplate(
                    resourceID: resource, windows: (1...5).map { ($0, "07:00", "17:00") }, actor: actor)
                resources[kind, default: []].append(resource)
            }
        }
        return NetworkClinic(clinic: clinic, resources: resources)
    }
}

/// What the lanes have committed, and which clinic is next.
final class Tally: Sendable {
    private let state = Mutex((outcome: NetworkHistory.Outcome(), next: 0))

    var outcome: NetworkHistory.Outcome { state.withLock { $0.outcome } }

    /// The next clinic to load, or nil when every one is taken.
    func nextClinic(below count: Int) -> Int? {
        state.withLock { state in
            guard state.next < count else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    /// Counts a committed batch; answers the referrals written so far.
    func add(_ batch: [BulkReferral]) -> Int {
        state.withLock { state in
            state.outcome.count(batch)
            return state.outcome.referrals
        }
    }

    func finished(_ clinic: ClinicID) { state.withLock { $0.outcome.clinics.append(clinic) } }
}

/// A clinic of the network and its resources by kind.
struct NetworkClinic: Sendable {
    let clinic: Clinic
    let resources: [ResourceKind: [ResourceID]]
}

extension SplitMix64 {
    mutating func uuid() -> UUID {
        let high = next()
        let low = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * index))
            bytes[index + 8] = UInt8(truncatingIfNeeded: low >> (8 * index))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    mutating func chance(_ probability: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < probability }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}
