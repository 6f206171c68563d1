import ClinicDomain
import Foundation

/// A booking ready to store.
public struct NewBooking: Sendable {
    public let id: AppointmentID
    public let referralID: ReferralID
    public let clinicID: ClinicID
    public let kind: VisitKind
    public let start: Date
    public let end: Date
    public let resourceIDs: [ResourceID]
    /// Set for an explicit, audited overbooking: its claims are left out of the no-overlap constraint.
    public var overbookReason: String? = nil
    /// Set for a hold: the resources are reserved for this many minutes, and the referral does not move yet.
    public var holdMinutes: Int? = nil
    /// Set when the booking answers a waitlist offer: it is made only while the offer is open.
    public var acceptingOffer: OfferAcceptance? = nil
    /// Set when the booking replaces a rescheduled one.
    public var rescheduledFrom: AppointmentID? = nil

    public init(
        id: AppointmentID, referralID: ReferralID, clinicID: ClinicID, kind: VisitKind, start: Date, end: Date,
        resourceIDs: [ResourceID]
    ) {
        self.id = id
        self.referralID = referralID
        self.clinicID = clinicID
        self.kind = kind
        self.start = start
        self.end = end
        self.resourceIDs = resourceIDs
    }
}

/// An offered start time, flagged against the referral's evaluation due date (its urgency) and
/// its candidacy window.
public struct OfferedSlot: Sendable {
    public let slot: AvailableSlot
    public let resources: [Resource]
    public let beforeWindowCloses: Bool
    /// For an evaluation: on or before the due date its urgency set.
    public let withinEvaluationTarget: Bool
}

/// Appointments and the calendars availability is computed from.
public protocol SchedulingStore: Sendable {
    /// Every active resource of the clinic with its template, and what keeps it busy between
    /// `from` and `to`: blocks and live claims (holds expired at `now` are not busy).
    func calendars(clinicID: ClinicID, from: Date, to: Date, now: Date, scope: ClinicScope) async throws
        -> [ResourceUsageRow]
    /// Writes the appointment, its resource claims (under the no-overlap constraint), the
    /// referral's move and event, in one transaction. A claim that overlaps another is
    /// `ServiceError.conflict` naming the resource.
    func book(
        _ booking: NewBooking, actor: Actor, idempotency: IdempotencyClaim?,
        decide: @escaping @Sendable (ReferralSnapshot) throws -> ReferralChange?
    ) async throws -> CreateOutcome<AppointmentID>
    /// The appointment, when it exists within `scope`.
    func appointment(id: AppointmentID, scope: ClinicScope) async throws -> Appointment?
    /// The appointment an earlier request with this Idempotency-Key booked, if any.
    /// - Throws: `ServiceError.idempotencyKeyReused` when the key came with another request.
    func earlierBooking(_ claim: IdempotencyClaim) async throws -> AppointmentID?
    /// Cancels, frees its resources and lets `decide` move the referral, in one transaction.
    func cancel(
        id: AppointmentID, reason: String, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange) async throws
    /// Moves an appointment to `state` (freeing its resources for a no-show) and the referral
    /// with it, in one transaction; `decide` refuses a move the appointment's state does not allow.
    func move(
        id: AppointmentID, to state: AppointmentState, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange) async throws
    /// Records that the patient consented to this visit.
    func recordConsent(id: AppointmentID, actor: Actor) async throws -> Bool
    /// Records the payer's prior authorization for a referral.
    func recordPriorAuthorization(referralID: ReferralID, number: String, actor: Actor) async throws -> Bool
    /// What readiness needs beyond the plan, for each of these referrals found within `scope`,
    /// in one statement whatever their number.
    func readinessFacts(referralIDs: [ReferralID], zone: ClinicTimeZone, scope: ClinicScope) async throws
        -> [ReferralID: ReadinessFacts]
    func holdMinutes(clinicID: ClinicID) async throws -> Int
    /// Appointments (all but cancelled ones) overlapping an interval, with their patients.
    func appointments(clinicID: ClinicID, from: Date, to: Date, scope: ClinicScope) async throws
        -> [(Appointment, Patient)]
    /// A page of appointments matching `query` within `scope`, each with its patient's id.
    func searchAppointments(_ query: AppointmentQuery, scope: ClinicScope) async throws -> AppointmentPage
    /// Cancels `old` and books `new` in one transaction: both happen, or neither.
    func reschedule(
        old: AppointmentID, new: NewBooking, actor: Actor,
        decide: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange) async throws
}

/// One line of the day sheet: the visit, the patient, and for a procedure its plan for that day.
public struct DaySheetEntry: Sendable {
    public let appointment: Appointment
    public let patient: Patient
    public let plan: PreProcedurePlan?
    /// For a hold or an unconfirmed booking, the readiness items still unmet.
    public let openItems: [ReadinessItem]
}

/// Finding times and booking them without ever double-booking a room or a clinician.
public struct SchedulingService: Sendable {
    let store: any SchedulingStore
    private let referrals: any ReferralStore
    let setup: any ClinicSetupStore
    private let evaluations: any EvaluationStore
    let reach: ClinicReach
    private let now: @Sendable () -> Date

    public init(
        store: any SchedulingStore, referrals: any ReferralStore, setup: any ClinicSetupStore,
        evaluations: any EvaluationStore, reach: ClinicReach, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.referrals = referrals
        self.setup = setup
        self.evaluations = evaluations
        self.reach = reach
        self.now = now
    }

    public static let maximumSearchDays = 62
    /// The first part of an availability search (see `availability`).
    static let firstSearchDays = 14

    /// Days after a procedure its follow-up is proposed on.
    public static let followUpDays = 10...14

    /// How far ahead a visit may be searched for or booked: two years covers any clinic's
    /// planning, and keeps every instant the API writes back within year 9999.
    public static let maximumDaysAhead = 730

    /// A start a visit may be booked at: not in the past (five minutes' grace), not beyond the horizon.
    static func checkBookable(_ start: Date, now: Date) throws {
        if start < now.addingTimeInterval(-300) { throw ServiceError.invalid("/start", "must not be in the past") }
        if start > now.addingTimeInterval(Double(maximumDaysAhead) * 86_400) {
            throw ServiceError.invalid("/start", "must be within \(maximumDaysAhead) days from now")
        }
    }

    /// The first free start times for a referral's visit, with one resource of each needed kind.
    /// - Parameter only: clinicians or rooms to book with; each replaces the others of its kind.
    public func availability(
        referralID: ReferralID, kind: VisitKind, from: Date?, to: Date?, limit: Int?,
        resourceIDs only: [ResourceID] = [], actor: Actor
    ) async throws -> [OfferedSlot] {
        let (referral, clinic, requirement) = try await reach.within(.referral(referralID), actor) {
            try await context(referralID, kind, actor.scope)
        }
        let now = actor.at
        let from = max(from ?? now, now)
        let to = to ?? from.addingTimeInterval(Double(Self.maximumSearchDays) * 86_400)
        var collector = ViolationCollector()
        if from > now.addingTimeInterval(Double(Self.maximumDaysAhead) * 86_400) {
            collector.add("/from", "must be within \(Self.maximumDaysAhead) days from now")
        }
        if to <= from { collector.add("/to", "must be after from (and after now)") }
        if to.timeIntervalSince(from) > Double(Self.maximumSearchDays) * 86_400 {
            collector.add("/to", "must be at most \(Self.maximumSearchDays) days after from")
        }
        let limit = limit ?? 10
        if !(1...50).contains(limit) { collector.add("/limit", "must be from 1 to 50") }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        // Most searches fill their page within days: two weeks first, the whole window only when
        // they fall short. The first cut is a midnight in the clinic's zone, which no visit spans,
        // so the page is the same either way; the busy time read is a fraction of 62 days'.
        let zone = clinic.clinic.timeZone
        let firstCut = zone.startOfDay(LocalDate(from, in: zone.zone).adding(days: Self.firstSearchDays))
        var slots: [AvailableSlot] = []
        var byID: [ResourceID: Resource] = [:]
        for end in firstCut < to ? [firstCut, to] : [to] {
            let rows = try await store.calendars(
                clinicID: clinic.clinic.id, from: from, to: end, now: now, scope: actor.scope)
            // The search's resources are named from the same read.
            byID = Dictionary(rows.map { ($0.resource.id, $0.resource) }, uniquingKeysWith: { first, _ in first })
            var calendars = rows.map(\.calendar)
            // A chosen clinician or room replaces the others of its kind.
            let chosen = calendars.filter { only.contains($0.id) }
            if chosen.count != only.count {
                throw ServiceError.unknownReference(pointer: "/resourceId", entity: "resource at this clinic")
            }
            calendars = calendars.filter { calendar in
                only.contains(calendar.id) || !chosen.contains { $0.kind == calendar.kind }
            }
            slots = Availability.search(
                zone: zone, hours: clinic.hours, resources: calendars, requirement: requirement, from: from, to: end,
                limit: limit)
            if slots.count >= limit { break }
        }
        return slots.map { slot in
            let day = LocalDate(slot.start, in: clinic.clinic.timeZone.zone)
            return OfferedSlot(
                slot: slot, resources: slot.resources.compactMap { byID[$0] },
                beforeWindowCloses: referral.windowClosesOn.map { day <= $0 } ?? true,
                withinEvaluationTarget: kind != .evaluation || (referral.evaluationDueOn.map { day <= $0 } ?? true))
        }
    }

    /// Books a visit at `start`. The resources are the caller's, or the first free of each kind.
    /// - Parameter accepting: the waitlist offer this booking answers; its transaction ends the offer as accepted.
    public func book(
        referralID: ReferralID, kind: VisitKind, start: Date, resourceIDs chosenIDs: [ResourceID]?,
        idempotencyKey: String?,
        overbookReason: String? = nil, hold: Bool = false, accepting: OfferAcceptance? = nil,
        actor: Actor
    ) async throws -> (Appointment, replayed: Bool) {
        try IdempotencyClaim.validate(idempotencyKey)
        let overbook = try overbookReason.map { text in
            try validated("/overbook/reason") { try BoundedText(text, maxLength: 1000) }
        }
        if overbook != nil, ![.admin, .scheduler].contains(actor.principal.role) {
            throw ServiceError.invalid("/overbook", "only a scheduler or an admin may overbook")
        }
        let (referral, clinic, requirement) = try await reach.within(.referral(referralID), actor) {
            try await context(referralID, kind, actor.scope)
        }
        let claim = idempotencyKey.map {
            IdempotencyClaim(
                scope: "createAppointment:\(actor.principal.tokenID?.description ?? actor.principal.name)", key: $0,
                requestHash: IdempotencyClaim.fingerprint([
                    referral.id.description, kind.rawValue, "\(start.timeIntervalSince1970)",
                    chosenIDs.map { $0.map(\.description).joined(separator: ",") } ?? "(any)", "\(hold)",
                    overbook?.value ?? "",
                ]))
        }
        // A retry must get the first answer, though the time it asks for is now its own booking's.
        if let replayed = try await earlierBooking(claim, actor) { return (replayed, true) }
        try Self.checkBookable(start, now: actor.at)
        let calendars = try await calendars(clinicID: clinic.clinic.id, around: start, actor: actor).map(\.calendar)
        // An overbooking is the one way past a conflict: busy time does not count for it.
        let visible =
            overbook == nil
            ? calendars : calendars.map { ResourceCalendar(id: $0.id, kind: $0.kind, weekly: $0.weekly, busy: []) }
        let candidates = try Self.choose(chosenIDs, from: visible)
        guard
            let slot = Availability.fit(
                at: start, zone: clinic.clinic.timeZone, hours: clinic.hours, resources: candidates,
                requirement: requirement)
        else {
            // A twin sent at the same moment may have taken the time: then this is its replay.
            if let replayed = try await earlierBooking(claim, actor) { return (replayed, true) }
            throw ServiceError.conflict(
                "no \(requirement.kinds.map(\.rawValue).joined(separator: " + ")) is free and working for the whole \(kind.rawValue) at this time, or the stay would not end before closing; ask GET /v1/availability"
            )
        }
        var booking = NewBooking(
            id: .random(), referralID: referral.id, clinicID: clinic.clinic.id, kind: kind, start: slot.start,
            end: slot.end, resourceIDs: slot.resources)
        booking.overbookReason = overbook?.value
        booking.acceptingOffer = accepting
        if hold { booking.holdMinutes = try await store.holdMinutes(clinicID: clinic.clinic.id) }
        let outcome: CreateOutcome<AppointmentID>
        do {
            outcome = try await store.book(booking, actor: actor, idempotency: claim) { snapshot in
                var change = try ReferralChange(from: snapshot, moving: kind.bookingTransition)
                // A hold reserves the time; the referral moves when the hold is confirmed. Its state must allow that.
                if hold { return nil }
                change.eventReason = "Booked for \(slot.start)."
                return change
            }
        } catch ServiceError.conflict(let detail) {
            // A twin sent at the same moment may have won the time: then this is its replay.
            if let replayed = try await earlierBooking(claim, actor) { return (replayed, true) }
            throw ServiceError.conflict(detail)
        }
        guard let appointment = try await store.appointment(id: outcome.id, scope: actor.scope) else {
            throw ServiceError.notFound(entity: "appointment")
        }
        return (appointment, outcome != .created(outcome.id))
    }

    /// The appointment an earlier request with the same key booked, if there was one.
    private func earlierBooking(_ claim: IdempotencyClaim?, _ actor: Actor) async throws -> Appointment? {
        guard let claim, let id = try await store.earlierBooking(claim) else { return nil }
        return try await store.appointment(id: id, scope: actor.scope)
    }

    /// The calendars of the chosen resources (all when none were chosen); a chosen id that is not
    /// an active resource of the clinic is an unknown reference.
    private static func choose(_ ids: [ResourceID]?, from calendars: [ResourceCalendar]) throws -> [ResourceCalendar] {
        guard let ids else { return calendars }
        let chosen = calendars.filter { ids.contains($0.id) }
        guard chosen.count == ids.count else {
            throw ServiceError.unknownReference(pointer: "/resourceIds", entity: "resource at this clinic")
        }
        return chosen
    }

    /// A clinic's resource calendars from a day before `start` to two days after, as they stand
    /// at the act's instant: what fitting one visit at `start` needs to know.
    public func calendars(clinicID: ClinicID, around start: Date, actor: Actor) async throws -> [ResourceUsageRow] {
        try await store.calendars(
            clinicID: clinicID, from: start.addingTimeInterval(-86_400), to: start.addingTimeInterval(2 * 86_400),
            now: actor.at, scope: actor.scope)
    }

    /// The appointment, or nil when there is none with this id within `scope`.
    public func appointmentIfAny(id: AppointmentID, scope: ClinicScope) async throws -> Appointment? {
        try await store.appointment(id: id, scope: scope)
    }

    public func appointment(id: AppointmentID, actor: Actor) async throws -> Appointment {
        try await reach.within(.appointment(id), actor) { try await reread(id, actor) }
    }

    private func reread(_ id: AppointmentID, _ actor: Actor) async throws -> Appointment {
        guard let appointment = try await store.appointment(id: id, scope: actor.scope) else {
            throw ServiceError.notFound(entity: "appointment")
        }
        return appointment
    }

    /// Cancels a booking with a reason; its resources are free at once and the referral goes
    /// back to the state that needs a booking.
    public func cancel(appointmentID id: AppointmentID, reason: String, actor: Actor) async throws -> Appointment {
        let reason = try validated("/reason") { try BoundedText(reason, maxLength: 1000) }
        try await reach.within(.appointment(id), actor) {
            try await store.cancel(id: id, reason: reason.value, actor: actor) { snapshot, appointment in
                guard [.held, .booked, .confirmed].contains(appointment.state) else {
                    throw ServiceError.conflict(
                        "the appointment is \(appointment.state.rawValue); only held, booked or confirmed ones can be cancelled"
                    )
                }
                var change = try Self.visitEnded(snapshot, appointment)
                change.eventReason = reason.value
                return change
            }
        }
        return try await reread(id, actor)
    }

    private func context(_ id: ReferralID, _ kind: VisitKind, _ scope: ClinicScope) async throws -> (
        Referral, ClinicSetup, VisitRequirement
    ) {
        guard let referral = try await referrals.referral(id: id, scope: scope) else {
            throw ServiceError.notFound(entity: "referral")
        }
        guard let clinic = try await setup.clinicSetup(id: referral.clinicID) else {
            throw ServiceError.notFound(entity: "clinic")
        }
        guard kind == .procedure else { return (referral, clinic, kind.requirement(clinic)) }
        guard let plan = try await evaluations.latestEvaluations(referralIDs: [id], scope: scope)[id],
            plan.outcome == .candidate
        else {
            throw ServiceError.conflict(
                "a procedure is booked for a candidate: this referral has no evaluation deciding it is one")
        }
        return (
            referral, clinic,
            kind.requirement(clinic, levels: plan.findings.levels.count, anesthesia: plan.findings.anesthesia)
        )
    }

    /// What a visit that will not happen (cancelled, or missed) does to its referral: when the
    /// referral waits on it (the status its booking made), it goes back to the state that needs a
    /// booking; a hold never moved it, and a referral that has moved on stays where it is, and
    /// the event says a visit was cancelled. Decided here, never by a refused move swallowed.
    static func visitEnded(_ snapshot: ReferralSnapshot, _ appointment: Appointment) throws -> ReferralChange {
        guard appointment.state != .held, snapshot.referral.status == appointment.kind.bookedStatus else {
            return ReferralChange(from: snapshot, noting: .visitCancelled)
        }
        return try ReferralChange(from: snapshot, moving: .appointmentCancelled)
    }

    /// The patient arrived.
    public func checkIn(appointmentID id: AppointmentID, actor: Actor) async throws -> Appointment {
        try await moveAppointment(id, to: .checkedIn, from: [.booked, .confirmed], actor: actor) { snapshot, _ in
            ReferralChange(from: snapshot, noting: .checkedIn)
        }
    }

    /// The patient did not come: the resources are freed and the referral needs a new booking.
    public func noShow(appointmentID id: AppointmentID, actor: Actor) async throws -> Appointment {
        try await moveAppointment(id, to: .noShow, from: [.booked, .confirmed], actor: actor) { snapshot, appointment in
            var change = try Self.visitEnded(snapshot, appointment)
            change.eventReason = "No-show."
            return change
        }
    }

    /// The visit happened. A procedure moves the referral to `procedure_done` and proposes the
    /// follow-up: the first free times from day 10 to day 14 after the procedure, on the clinic's
    /// calendar, earliest first (DOMAIN: about two weeks, 10-14 days; the CPT global period is 10
    /// days). A follow-up closes the referral. An evaluation's outcome is recorded with the evaluation.
    public func complete(appointmentID id: AppointmentID, actor: Actor) async throws -> (
        Appointment, followUp: [OfferedSlot]
    ) {
        let done = try await moveAppointment(id, to: .completed, from: [.booked, .confirmed, .checkedIn], actor: actor)
        { snapshot, visit in
            switch visit.kind {
            case .procedure: try ReferralChange(from: snapshot, moving: .completeProcedure)
            case .followUp: try ReferralChange(from: snapshot, moving: .close)
            case .evaluation: ReferralChange(from: snapshot, noting: .visitCompleted)
            }
        }
        guard done.kind == .procedure, let clinic = try await setup.clinicSetup(id: done.clinicID) else {
            return (done, [])
        }
        let calendar = clinic.clinic.timeZone.calendar
        let day = calendar.startOfDay(for: done.start)
        let from = max(calendar.date(byAdding: .day, value: Self.followUpDays.lowerBound, to: day)!, actor.at)
        let to = calendar.date(byAdding: .day, value: Self.followUpDays.upperBound + 1, to: day)!
        let slots =
            (try? await availability(
                referralID: done.referralID, kind: .followUp, from: from, to: to, limit: 3, actor: actor)) ?? []
        return (done, slots)
    }

    /// Moves a booking to another time, atomically: if the new time is taken the old booking stays.
    public func reschedule(
        appointmentID id: AppointmentID, start: Date, resourceIDs wanted: [ResourceID]?, actor: Actor
    ) async throws -> Appointment {
        let old = try await appointment(id: id, actor: actor)
        guard [.held, .booked, .confirmed].contains(old.state) else {
            throw ServiceError.conflict(
                "the appointment is \(old.state.rawValue); only held, booked or confirmed ones can be rescheduled")
        }
        try Self.checkBookable(start, now: actor.at)
        let (_, clinic, requirement) = try await context(old.referralID, old.kind, actor.scope)
        // The old booking's own claims do not block its new time.
        let calendars = try await calendars(clinicID: clinic.clinic.id, around: start, actor: actor).map(\.calendar).map
        {
            calendar in
            ResourceCalendar(
                id: calendar.id, kind: calendar.kind, weekly: calendar.weekly,
                busy: calendar.busy.filter {
                    !(old.resources.map(\.id).contains(calendar.id) && $0 == old.start..<old.end)
                })
        }
        let candidates = try Self.choose(wanted, from: calendars)
        guard
            let slot = Availability.fit(
                at: start, zone: clinic.clinic.timeZone, hours: clinic.hours, resources: candidates,
                requirement: requirement)
        else {
            throw ServiceError.conflict(
                "no \(requirement.kinds.map(\.rawValue).joined(separator: " + ")) is free and working for the whole \(old.kind.rawValue) at the new time; the booking is unchanged"
            )
        }
        var booking = NewBooking(
            id: .random(), referralID: old.referralID, clinicID: old.clinicID, kind: old.kind, start: slot.start,
            end: slot.end, resourceIDs: slot.resources)
        booking.rescheduledFrom = old.id
        // A hold moved is still a hold: the referral moves only when it is confirmed.
        if old.state == .held { booking.holdMinutes = try await store.holdMinutes(clinicID: clinic.clinic.id) }
        try await store.reschedule(old: old.id, new: booking, actor: actor) { snapshot, appointment in
            guard [.held, .booked, .confirmed].contains(appointment.state) else {
                throw ServiceError.conflict(
                    "the appointment is \(appointment.state.rawValue); only held, booked or confirmed ones can be rescheduled"
                )
            }
            var change = ReferralChange(from: snapshot, noting: .visitRescheduled)
            change.eventReason = "Moved from \(appointment.start) to \(slot.start)."
            return change
        }
        return try await reread(booking.id, actor)
    }

    /// Moves a visit to `state` when it is in one of `allowed`; `change` says what that does to
    /// the referral (a transition, or an event that moves nothing), in the same transaction.
    private func moveAppointment(
        _ id: AppointmentID, to state: AppointmentState, from allowed: Set<AppointmentState>, actor: Actor,
        change: @escaping @Sendable (ReferralSnapshot, Appointment) throws -> ReferralChange
    ) async throws -> Appointment {
        try await reach.within(.appointment(id), actor) {
            try await store.move(id: id, to: state, actor: actor) { snapshot, appointment in
                guard allowed.contains(appointment.state) else {
                    throw ServiceError.conflict(
                        "the appointment is \(appointment.state.rawValue); it cannot become \(state.rawValue)")
                }
                return try change(snapshot, appointment)
            }
        }
        return try await reread(id, actor)
    }

    /// The day sheet's lines for a clinic already loaded: what `daySheet` answers and the nightly
    /// report lists for the next day (each audits its own read).
    func daySheetEntries(_ clinic: ClinicSetup, day: LocalDate, actor: Actor) async throws -> [DaySheetEntry] {
        let zone = clinic.clinic.timeZone
        let visits = try await store.appointments(
            clinicID: clinic.clinic.id, from: zone.startOfDay(day),
            to: zone.startOfDay(day.adding(days: 1)), scope: actor.scope)
        // Everything the lines need, loaded for all procedures at once: a fixed number of
        // statements however full the day is.
        let procedures = visits.map(\.0).filter { $0.kind == .procedure }.map(\.referralID)
        let latest = try await evaluations.latestEvaluations(referralIDs: procedures, scope: actor.scope)
        let facts = try await store.readinessFacts(referralIDs: procedures, zone: zone, scope: actor.scope)
        return visits.map { appointment, patient in
            let evaluation = appointment.kind == .procedure ? latest[appointment.referralID] : nil
            let plan = Self.plan(appointment, evaluation, clinic)
            let open =
                [.held, .booked].contains(appointment.state)
                ? ((try? Self.readiness(
                    appointment, clinic: clinic, plan: plan, evaluation: evaluation,
                    facts: facts[appointment.referralID], at: actor.at)) ?? []).filter { !$0.met } : []
            return DaySheetEntry(appointment: appointment, patient: patient, plan: plan, openItems: open)
        }
    }

    /// The clinic's day (midnight to midnight in its zone): every visit with its patient, and for
    /// procedures the levels, anesthesia, lab checks and anticoagulant holds for that date.
    public func daySheet(clinicID: ClinicID, day: LocalDate, actor: Actor, audit: any AuditStore) async throws -> (
        ClinicSetup, LocalDate, [DaySheetEntry]
    ) {
        let unknownClinic = ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic")
        try await reach.require(clinicID, actor, else: unknownClinic)
        guard let clinic = try await setup.clinicSetup(id: clinicID) else { throw unknownClinic }
        let entries = try await daySheetEntries(clinic, day: day, actor: actor)
        try await audit.record(
            AuditEntry(actor: actor, action: "schedule.read", entityType: "clinic", entityID: clinic.clinic.id.rawValue)
        )
        return (clinic, day, entries)
    }

    /// Confirms a hold or a booking once every readiness item is met; lists what is not (409).
    /// A live hold becomes a confirmed booking and moves the referral; an expired hold cannot be confirmed.
    public func confirm(appointmentID id: AppointmentID, actor: Actor) async throws -> Appointment {
        let current = try await appointment(id: id, actor: actor)
        guard [.held, .booked].contains(current.state) else {
            throw ServiceError.conflict(
                "the appointment is \(current.state.rawValue); only a hold or a booking can be confirmed")
        }
        let items = try await readiness(current, actor: actor)
        let unmet = items.filter { !$0.met }
        guard unmet.isEmpty else {
            throw ServiceError.notReady(
                unmet.map { FieldViolation(pointer: "/readiness/\($0.code)", message: $0.detail) })
        }
        let confirmed = try await moveAppointment(id, to: .confirmed, from: [.held, .booked], actor: actor) {
            snapshot, visit in
            // Confirming a hold is its booking: the referral moves now. A booking moved it already.
            visit.state == .held
                ? try ReferralChange(from: snapshot, moving: visit.kind.bookingTransition)
                : ReferralChange(from: snapshot, noting: .visitConfirmed)
        }
        return confirmed
    }

    /// Every readiness item of an appointment (procedures have labs, holds, imaging age and
    /// prior authorization; every visit needs consent).
    /// Judged at the act's instant, reading what the actor's scope reaches.
    public func readiness(_ appointment: Appointment, actor: Actor) async throws -> [ReadinessItem] {
        guard appointment.kind == .procedure else { return [Self.consent(appointment)] }
        guard let clinic = try await setup.clinicSetup(id: appointment.clinicID) else {
            throw ServiceError.conflict("the referral has no candidate evaluation to plan the procedure from")
        }
        let evaluation = try await evaluations.latestEvaluations(
            referralIDs: [appointment.referralID], scope: actor.scope)[appointment.referralID]
        let facts = try await store.readinessFacts(
            referralIDs: [appointment.referralID], zone: clinic.clinic.timeZone, scope: actor.scope)[
                appointment.referralID]
        return try Self.readiness(
            appointment, clinic: clinic, plan: Self.plan(appointment, evaluation, clinic), evaluation: evaluation,
            facts: facts, at: actor.at)
    }

    /// A procedure's plan for its day, from the referral's latest evaluation when that decided
    /// candidate; nil for other visits and for anyone not (or no longer) a candidate.
    static func plan(_ appointment: Appointment, _ evaluation: EvaluationRecord?, _ clinic: ClinicSetup)
        -> PreProcedurePlan?
    {
        guard appointment.kind == .procedure, let evaluation, evaluation.outcome == .candidate else { return nil }
        return PreProcedurePlan.make(
            evaluation.findings, parameters: evaluation.ruleSet.parameters, minutesPerLevel: clinic.minutesPerLevel,
            procedureDate: LocalDate(appointment.start, in: clinic.clinic.timeZone.zone))
    }

    /// Whether the patient consented: the one readiness item of every visit.
    static func consent(_ appointment: Appointment) -> ReadinessItem {
        ReadinessItem(
            code: "consent", met: appointment.consentRecorded,
            detail: appointment.consentRecorded ? "Consent recorded." : "Consent is not recorded yet.")
    }

    /// Readiness from what is already loaded: consent for every visit; for a procedure also the
    /// plan's labs and holds, imaging age and prior authorization, judged at `instant`.
    static func readiness(
        _ appointment: Appointment, clinic: ClinicSetup, plan: PreProcedurePlan?, evaluation: EvaluationRecord?,
        facts: ReadinessFacts?, at instant: Date
    ) throws -> [ReadinessItem] {
        guard appointment.kind == .procedure else { return [consent(appointment)] }
        guard let plan, let evaluation else {
            throw ServiceError.conflict("the referral has no candidate evaluation to plan the procedure from")
        }
        return ProcedureReadiness.procedure(
            plan: plan, today: clinic.clinic.today(at: instant), latestImaging: facts?.latestImaging,
            imagingMaxAgeDays: clinic.targets.candidacyWindowDays, consentRecorded: appointment.consentRecorded,
            priorAuthorizationRequired: evaluation.ruleSet.parameters.requiresPriorAuthorization,
            priorAuthorization: facts?.priorAuthorization)
    }

    public func recordConsent(appointmentID id: AppointmentID, actor: Actor) async throws -> Appointment {
        try await reach.within(.appointment(id), actor) {
            guard try await store.recordConsent(id: id, actor: actor) else {
                throw ServiceError.notFound(entity: "appointment")
            }
        }
        return try await reread(id, actor)
    }

    public func recordPriorAuthorization(referralID id: ReferralID, number: String, actor: Actor) async throws {
        let number = try validated("/number") { try BoundedText(number, maxLength: 100) }
        try await reach.within(.referral(id), actor) {
            guard try await store.recordPriorAuthorization(referralID: id, number: number.value, actor: actor) else {
                throw ServiceError.notFound(entity: "referral")
            }
        }
    }
}
