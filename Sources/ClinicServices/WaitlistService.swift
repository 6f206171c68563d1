import ClinicDomain
import Foundation

/// Marker for offer identifiers.
public enum OfferTag {}
public typealias OfferID = Identifier<OfferTag>

/// A freed procedure time offered to one waitlisted candidate.
public struct WaitlistOffer: Sendable, Hashable {
    public enum State: String, Sendable { case offered, accepted, declined, expired }

    public let id: OfferID
    public let referralID: ReferralID
    public let clinicID: ClinicID
    public let freedBy: AppointmentID
    public let start: Date
    public let end: Date
    public let resourceIDs: [ResourceID]
    public let state: State
    public let expiresAt: Date
    public let appointmentID: AppointmentID?

    public init(id: OfferID, referralID: ReferralID, clinicID: ClinicID, freedBy: AppointmentID, start: Date, end: Date,
                resourceIDs: [ResourceID], state: State, expiresAt: Date, appointmentID: AppointmentID?) {
        self.id = id
        self.referralID = referralID
        self.clinicID = clinicID
        self.freedBy = freedBy
        self.start = start
        self.end = end
        self.resourceIDs = resourceIDs
        self.state = state
        self.expiresAt = expiresAt
        self.appointmentID = appointmentID
    }
}

/// Offers and the ordered candidates they go to.
public protocol WaitlistStore: Sendable {
    /// Candidates without a procedure booking at the clinic, most urgent first, then the earliest
    /// closing candidacy window.
    func waitlist(clinicID: ClinicID) async throws -> [Referral]
    func offers(clinicID: ClinicID) async throws -> [WaitlistOffer]
    func offer(id: OfferID) async throws -> WaitlistOffer?
    /// Referrals already offered this freed time (any state).
    func offeredReferrals(freedBy: AppointmentID) async throws -> Set<ReferralID>
    /// - Returns: false when the freed time already has an open offer.
    func createOffer(_ offer: WaitlistOffer, actor: Actor) async throws -> Bool
    /// Moves an open offer on; false when it is no longer open.
    func settle(offerID: OfferID, to state: WaitlistOffer.State, appointmentID: AppointmentID?, actor: Actor) async throws -> Bool
    /// Open offers past their expiry.
    func expiredOffers(clinicID: ClinicID?) async throws -> [WaitlistOffer]
    func offerHours(clinicID: ClinicID) async throws -> Int
}

/// The waitlist: when a procedure booking is cancelled, the freed time is offered to the first
/// candidate who fits it; an offer expires after the clinic's offer hours, and a decline or an
/// expiry passes it to the next.
public struct WaitlistService: Sendable {
    private let store: any WaitlistStore
    private let scheduling: SchedulingService
    private let referrals: ReferralService
    private let evaluations: any EvaluationStore
    private let setup: any ClinicSetupStore
    private let now: @Sendable () -> Date

    public init(store: any WaitlistStore, scheduling: SchedulingService, referrals: ReferralService, evaluations: any EvaluationStore,
                setup: any ClinicSetupStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.scheduling = scheduling
        self.referrals = referrals
        self.evaluations = evaluations
        self.setup = setup
        self.now = now
    }

    public func waitlist(clinicID text: String, actor: Actor) async throws -> (candidates: [Referral], offers: [WaitlistOffer]) {
        guard let clinicID = ClinicID(string: text) else { throw ServiceError.invalid("/clinicId", "must be a UUID") }
        guard try await setup.clinicSetup(id: clinicID) != nil else { throw ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic") }
        try await passOnExpired(clinicID: clinicID, actor: actor)
        return (try await store.waitlist(clinicID: clinicID), try await store.offers(clinicID: clinicID))
    }

    /// Offers a freed procedure time to the next candidate who fits it and has not had it yet.
    public func offerFreedTime(_ freed: Appointment, actor: Actor) async throws {
        guard freed.kind == .procedure, freed.start > now() else { return }
        let already = try await store.offeredReferrals(freedBy: freed.id)
        guard let clinic = try await setup.clinicSetup(id: freed.clinicID) else { return }
        for candidate in try await store.waitlist(clinicID: freed.clinicID)
        where candidate.id != freed.referralID && !already.contains(candidate.id) {
            guard let plan = try await evaluations.evaluations(referralID: candidate.id)?.last, plan.outcome == .candidate else { continue }
            let requirement = VisitKind.procedure.requirement(clinic, levels: plan.findings.levels.count, anesthesia: plan.findings.anesthesia)
            // The freed resources must cover every kind the candidate needs, for long enough.
            let fits = requirement.minutes <= Int(freed.end.timeIntervalSince(freed.start) / 60)
                && requirement.kinds.allSatisfy { kind in freed.resources.contains { $0.kind == kind } }
            guard fits else { continue }
            let hours = try await store.offerHours(clinicID: freed.clinicID)
            let offer = WaitlistOffer(id: .random(), referralID: candidate.id, clinicID: freed.clinicID, freedBy: freed.id, start: freed.start,
                                      end: freed.start.addingTimeInterval(Double(requirement.minutes) * 60),
                                      resourceIDs: freed.resources.filter { requirement.kinds.contains($0.kind) }.map(\.id),
                                      state: .offered, expiresAt: now().addingTimeInterval(Double(hours) * 3600), appointmentID: nil)
            _ = try await store.createOffer(offer, actor: actor)
            return
        }
    }

    /// Cancels a booking and offers a freed procedure time to the waitlist.
    public func cancel(appointmentID text: String, reason: String, actor: Actor) async throws -> Appointment {
        let cancelled = try await scheduling.cancel(appointmentID: text, reason: reason, actor: actor)
        try await offerFreedTime(cancelled, actor: actor)
        return cancelled
    }

    /// Cancels a referral (its holds and bookings are released with it, in one transaction) and
    /// offers each freed procedure time to the waitlist, as a cancelled booking's would be.
    public func cancelReferral(referralID text: String, reason: String, expectedVersion: Int?, actor: Actor) async throws -> Referral {
        let (referral, released) = try await referrals.cancel(referralID: text, reason: reason, expectedVersion: expectedVersion,
                                                              actor: actor)
        for id in released {
            try await offerFreedTime(try await scheduling.appointment(id: id.description), actor: actor)
        }
        return referral
    }

    /// Accepting books the offered time for the candidate.
    public func accept(offerID text: String, actor: Actor) async throws -> (WaitlistOffer, Appointment) {
        let offer = try await openOffer(text, actor: actor)
        let (appointment, _) = try await scheduling.book(referralID: offer.referralID.description, kind: .procedure, start: offer.start,
                                                         resourceIDs: offer.resourceIDs.map(\.description), idempotencyKey: nil, actor: actor)
        _ = try await store.settle(offerID: offer.id, to: .accepted, appointmentID: appointment.id, actor: actor)
        return (try await store.offer(id: offer.id) ?? offer, appointment)
    }

    /// Declining passes the time to the next candidate.
    public func decline(offerID text: String, actor: Actor) async throws -> WaitlistOffer {
        let offer = try await openOffer(text, actor: actor)
        _ = try await store.settle(offerID: offer.id, to: .declined, appointmentID: nil, actor: actor)
        if let freed = try? await scheduling.appointment(id: offer.freedBy.description) { try await offerFreedTime(freed, actor: actor) }
        return try await store.offer(id: offer.id) ?? offer
    }

    private func openOffer(_ text: String, actor: Actor) async throws -> WaitlistOffer {
        guard let id = OfferID(string: text) else { throw ServiceError.invalid("/id", "must be a UUID") }
        try await passOnExpired(clinicID: nil, actor: actor)
        guard let offer = try await store.offer(id: id) else { throw ServiceError.notFound(entity: "offer") }
        guard offer.state == .offered else { throw ServiceError.conflict("the offer is \(offer.state.rawValue)") }
        return offer
    }

    /// Expires offers past their time and passes each freed time on.
    private func passOnExpired(clinicID: ClinicID?, actor: Actor) async throws {
        for offer in try await store.expiredOffers(clinicID: clinicID) {
            guard try await store.settle(offerID: offer.id, to: .expired, appointmentID: nil, actor: actor) else { continue }
            if let freed = try? await scheduling.appointment(id: offer.freedBy.description) { try await offerFreedTime(freed, actor: actor) }
        }
    }
}
