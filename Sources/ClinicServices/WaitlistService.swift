import ClinicDomain
import Foundation

/// Marker for offer identifiers.
public enum OfferTag {}
public typealias OfferID = Identifier<OfferTag>

/// A freed procedure time offered to one waitlisted candidate, with every resource the
/// candidate's procedure needs then: the freed room and proceduralist, and any other (an
/// anesthesia provider for general anesthesia) free for the whole stay.
public struct WaitlistOffer: Sendable, Hashable {
    public enum State: String, Sendable { case offered, accepted, declined, expired }

    public let id: OfferID
    public let referralID: ReferralID
    public let clinicID: ClinicID
    public let freedBy: AppointmentID
    public let start: Date
    public let end: Date
    public let resources: [Resource]
    public let state: State
    public let expiresAt: Date
    public let appointmentID: AppointmentID?

    public init(
        id: OfferID, referralID: ReferralID, clinicID: ClinicID, freedBy: AppointmentID, start: Date, end: Date,
        resources: [Resource], state: State, expiresAt: Date, appointmentID: AppointmentID?
    ) {
        self.id = id
        self.referralID = referralID
        self.clinicID = clinicID
        self.freedBy = freedBy
        self.start = start
        self.end = end
        self.resources = resources
        self.state = state
        self.expiresAt = expiresAt
        self.appointmentID = appointmentID
    }
}

/// Booking the time of an open offer: the booking's transaction locks the offer first and
/// books only while it is open and unexpired at `now`, so that of concurrent answers to one
/// offer exactly one decides it.
public struct OfferAcceptance: Sendable, Hashable {
    public let offerID: OfferID
    public let now: Date

    public init(offerID: OfferID, now: Date) {
        self.offerID = offerID
        self.now = now
    }
}

/// Offers and the ordered candidates they go to.
public protocol WaitlistStore: Sendable {
    /// Candidates without a procedure booking at the clinic, most urgent first, then the earliest
    /// closing candidacy window.
    func waitlist(clinicID: ClinicID, scope: ClinicScope) async throws -> [Referral]
    func offers(clinicID: ClinicID, scope: ClinicScope) async throws -> [WaitlistOffer]
    /// The offer, when it exists within `scope`.
    func offer(id: OfferID, scope: ClinicScope) async throws -> WaitlistOffer?
    /// Referrals already offered this freed time (any state).
    func offeredReferrals(freedBy: AppointmentID, scope: ClinicScope) async throws -> Set<ReferralID>
    /// - Returns: false when the freed time already has an open offer.
    func createOffer(_ offer: WaitlistOffer, actor: Actor) async throws -> Bool
    /// Ends an open offer as declined (only while unexpired at `now`) or expired (only once
    /// expired at `now`) and, in the same transaction, makes `next`: the freed time passed on.
    /// One conditional update decides, so of concurrent calls exactly one ends the offer.
    /// - Returns: the offer as ended.
    /// - Throws: `ServiceError.offerClosed` naming the state the offer had already ended in.
    func end(offerID: OfferID, as state: WaitlistOffer.State, now: Date, next: WaitlistOffer?, actor: Actor)
        async throws -> WaitlistOffer
    /// Open offers past their expiry at `now`, within `scope`.
    func expiredOffers(clinicID: ClinicID?, now: Date, scope: ClinicScope) async throws -> [WaitlistOffer]
    func offerHours(clinicID: ClinicID) async throws -> Int
}

/// The waitlist: when a procedure booking is cancelled, the freed time is offered to the first
/// candidate who fits it; an offer expires after the clinic's offer hours, and a decline or an
/// expiry passes it to the next.
///
/// Every decision about an offer is taken by one transaction that ends it (a conditional update,
/// or the booking's lock on the offer row), never by a read before: two answers at the same moment
/// give one winner, and the stored offer, the booking, the referral and the next offer agree with
/// the winner's answer. Expiry is judged on the service's clock, the same one that set it.
public struct WaitlistService: Sendable {
    private let store: any WaitlistStore
    private let scheduling: SchedulingService
    private let referrals: ReferralService
    private let evaluations: any EvaluationStore
    private let setup: any ClinicSetupStore
    private let reach: ClinicReach
    private let now: @Sendable () -> Date

    public init(
        store: any WaitlistStore, scheduling: SchedulingService, referrals: ReferralService,
        evaluations: any EvaluationStore,
        setup: any ClinicSetupStore, reach: ClinicReach, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.scheduling = scheduling
        self.referrals = referrals
        self.evaluations = evaluations
        self.setup = setup
        self.reach = reach
        self.now = now
    }

    public func waitlist(clinicID: ClinicID, actor: Actor) async throws -> (
        candidates: [Referral], offers: [WaitlistOffer]
    ) {
        let unknownClinic = ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic")
        try await reach.require(clinicID, actor, else: unknownClinic)
        guard try await setup.clinicSetup(id: clinicID) != nil else { throw unknownClinic }
        try await passOnExpired(clinicID: clinicID, actor: actor)
        return (
            try await store.waitlist(clinicID: clinicID, scope: actor.scope),
            try await store.offers(clinicID: clinicID, scope: actor.scope)
        )
    }

    /// Offers a freed procedure time to the next candidate who fits it and has not had it yet.
    public func offerFreedTime(_ freed: Appointment, actor: Actor) async throws {
        guard let offer = try await nextOffer(for: freed, actor: actor) else { return }
        _ = try await store.createOffer(offer, actor: actor)
    }

    /// The offer a freed procedure time goes to next: the first candidate in waitlist order who
    /// has not had it, for whom the freed resources plus whatever else their procedure needs are
    /// free for the whole stay (and the stay ends before closing). Nil when nobody fits.
    func nextOffer(for freed: Appointment, actor: Actor) async throws -> WaitlistOffer? {
        let now = actor.at
        guard freed.kind == .procedure, freed.start > now, let clinic = try await setup.clinicSetup(id: freed.clinicID)
        else { return nil }
        let already = try await store.offeredReferrals(freedBy: freed.id, scope: actor.scope)
        let waiting = try await store.waitlist(clinicID: freed.clinicID, scope: actor.scope).filter {
            $0.id != freed.referralID && !already.contains($0.id)
        }
        guard !waiting.isEmpty else { return nil }
        // The freed room and proceduralist stand for their kinds; every other kind may come from
        // any resource of the clinic that is free then.
        let freedIDs = Set(freed.resources.map(\.id))
        let freedKinds = Set(freed.resources.map(\.kind))
        let rows = try await scheduling.calendars(clinicID: freed.clinicID, around: freed.start, actor: actor)
        let calendars = rows.map(\.calendar).filter { freedIDs.contains($0.id) || !freedKinds.contains($0.kind) }
        let names = Dictionary(rows.map { ($0.resource.id, $0.resource) }, uniquingKeysWith: { first, _ in first })
        let hours = try await store.offerHours(clinicID: freed.clinicID)
        let plans = try await evaluations.latestEvaluations(referralIDs: waiting.map(\.id), scope: actor.scope)
        for candidate in waiting {
            guard let plan = plans[candidate.id], plan.outcome == .candidate
            else { continue }
            let requirement = VisitKind.procedure.requirement(
                clinic, levels: plan.findings.levels.count, anesthesia: plan.findings.anesthesia)
            guard
                let slot = Availability.fit(
                    at: freed.start, zone: clinic.clinic.timeZone, hours: clinic.hours, resources: calendars,
                    requirement: requirement)
            else { continue }
            return WaitlistOffer(
                id: .random(), referralID: candidate.id, clinicID: freed.clinicID, freedBy: freed.id, start: slot.start,
                end: slot.end, resources: slot.resources.compactMap { names[$0] },
                state: .offered, expiresAt: now.addingTimeInterval(Double(hours) * 3600), appointmentID: nil)
        }
        return nil
    }

    /// Cancels a booking and offers a freed procedure time to the waitlist.
    public func cancel(appointmentID: AppointmentID, reason: String, actor: Actor) async throws -> Appointment {
        let cancelled = try await scheduling.cancel(appointmentID: appointmentID, reason: reason, actor: actor)
        try await offerFreedTime(cancelled, actor: actor)
        return cancelled
    }

    /// Cancels a referral (its holds and bookings are released with it, in one transaction) and
    /// offers each freed procedure time to the waitlist, as a cancelled booking's would be.
    public func cancelReferral(referralID: ReferralID, reason: String, expectedVersion: Int?, actor: Actor) async throws
        -> Referral
    {
        let (referral, released) = try await referrals.cancel(
            referralID: referralID, reason: reason, expectedVersion: expectedVersion,
            actor: actor)
        for id in released {
            try await offerFreedTime(try await scheduling.appointment(id: id, actor: actor), actor: actor)
        }
        return referral
    }

    /// Accepting books the offered time, with every resource the offer names, for the candidate.
    /// - Throws: `ServiceError.offerClosed` when the offer had already been accepted, declined or expired.
    public func accept(offerID: OfferID, actor: Actor) async throws -> (WaitlistOffer, Appointment) {
        let now = actor.at
        let offer = try await openOffer(offerID, actor: actor)
        let appointment: Appointment
        do {
            (appointment, _) = try await scheduling.book(
                referralID: offer.referralID, kind: .procedure, start: offer.start,
                resourceIDs: offer.resources.map(\.id), idempotencyKey: nil,
                accepting: OfferAcceptance(offerID: offer.id, now: now), actor: actor)
        } catch ServiceError.conflict(let detail) {
            // The time may be gone because a concurrent answer to this very offer won: say how it ended.
            if let ended = try await store.offer(id: offer.id, scope: actor.scope), ended.state != .offered {
                throw ServiceError.offerClosed(ended.state.rawValue)
            }
            throw ServiceError.conflict(detail)
        }
        return (try await store.offer(id: offer.id, scope: actor.scope) ?? offer, appointment)
    }

    /// Declining passes the time to the next candidate who fits it.
    /// - Throws: `ServiceError.offerClosed` when the offer had already been accepted, declined or expired.
    public func decline(offerID: OfferID, actor: Actor) async throws -> WaitlistOffer {
        let offer = try await openOffer(offerID, actor: actor)
        let next = try await scheduling.appointmentIfAny(id: offer.freedBy, scope: actor.scope).asyncFlatMap {
            try await nextOffer(for: $0, actor: actor)
        }
        return try await store.end(offerID: offer.id, as: .declined, now: actor.at, next: next, actor: actor)
    }

    /// The offer, once expired offers are passed on; an offer no longer open is refused early
    /// (the transaction that ends it checks again, and decides).
    private func openOffer(_ id: OfferID, actor: Actor) async throws -> WaitlistOffer {
        try await passOnExpired(clinicID: nil, actor: actor)
        let offer = try await reach.within(.offer(id), actor) {
            guard let offer = try await store.offer(id: id, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "offer")
            }
            return offer
        }
        guard offer.state == .offered else { throw ServiceError.offerClosed(offer.state.rawValue) }
        return offer
    }

    /// Expires every offer past its time and passes each freed time on, without waiting for
    /// someone to look at the waitlist: `clinic serve` runs it every few seconds, so the next
    /// candidate hears of the time (and the change feed of the expiry) promptly.
    public func passOnExpiredOffers(actor: Actor) async throws {
        try await passOnExpired(clinicID: nil, actor: actor)
    }

    /// Expires the offers within the actor's scope that are past their time at the act's
    /// instant, and passes each freed time on.
    private func passOnExpired(clinicID: ClinicID?, actor: Actor) async throws {
        for offer in try await store.expiredOffers(clinicID: clinicID, now: actor.at, scope: actor.scope) {
            let next = try await scheduling.appointmentIfAny(id: offer.freedBy, scope: actor.scope).asyncFlatMap {
                try await nextOffer(for: $0, actor: actor)
            }
            do {
                _ = try await store.end(offerID: offer.id, as: .expired, now: actor.at, next: next, actor: actor)
            } catch ServiceError.offerClosed {
                continue  // another request ended it first, and passed it on
            }
        }
    }
}

extension Optional {
    /// `flatMap` for an async transform.
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
