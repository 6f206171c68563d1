import ClinicDomain
import ClinicServices
import Foundation

/// Replays clinic life day by day through the services on a simulated clock: imaging arrives and
/// becomes referrals, referrals are booked for evaluation, evaluated, booked for a procedure, done
/// and followed up, and some visits are cancelled or missed, as a discrete-event simulation in the
/// clinic's time zone. Everything goes through the services, so the history has the same events,
/// audit rows and constraints as real use; `services` must read `clock` as their `now`.
public final class ClinicSimulation {
    /// What to replay, and how to name what it makes so that two runs never collide.
    public struct Plan {
        var clinic: ClinicSetup
        var referrals: Int
        var firstDay: LocalDate
        var lastDay: LocalDate
        var seed: UInt64
        /// Patients' MRNs are this plus the referral's number (MRNs are per clinic).
        var mrnPrefix: String
        /// Accession numbers are modality, this and the number (accessions are global per source system).
        var accessionPrefix: String
        /// Idempotency keys of the referrals are this plus the number.
        var keyPrefix: String
        var sourceSystems: [String]
        var actorName: String
        /// The first patient due on the last day does not come, so that day's report has a disruption
        /// (the demo wants one every time; random ones may miss a given day).
        var missOneVisitOnLastDay = false
    }

    /// What the replay did.
    public struct Summary: Sendable {
        public var referralsCreated = 0
        public var surgicalReview = 0
        public var evaluations = 0
        public var candidates = 0
        public var proceduresDone = 0
        public var closed = 0
        public var visitsCancelled = 0
        public var noShows = 0
        /// Of which taken over by spine surgery from surgical review.
        public var handedToSurgery = 0
        public var referralsCancelled = 0
        /// Live bookings starting after the last simulated day.
        public var bookingsAfterEnd = 0
        /// Service refusals by step and kind; each left its referral where it was.
        public var skipped: [String: Int] = [:]

        public var skippedTotal: Int { skipped.values.reduce(0, +) }
    }

    /// The seed was loaded before: its first accession already exists.
    public struct AlreadyLoaded: Error {
        public let accession: String
    }

    private let services: APIServices
    private let clock: SimulatedClock
    private let plan: Plan
    private let local: LocalCalendar
    private let principal: Principal
    private let endInstant: Date
    private var random: SplitMix64
    private var summary = Summary()
    private var agenda = Agenda()
    private var journeys: [Int: Journey] = [:]
    private var backlogs: [Backlog.Line: Backlog] = [:]
    /// The day a search for a kind of visit last found nothing: until the next morning's round,
    /// referrals needing that kind wait in the backlog instead of searching again.
    private var fullOn: [VisitKind: LocalDate] = [:]
    private var arrivals: [Int] = []
    private var missedOnLastDay = false
    private var nextIndex = 0
    private var processed = 0

    public init(services: APIServices, clock: SimulatedClock, plan: Plan) {
        self.services = services
        self.clock = clock
        self.plan = plan
        local = LocalCalendar(zone: plan.clinic.clinic.timeZone)
        principal = .commandLine(plan.actorName)
        endInstant = local.startOfDay(plan.lastDay.adding(days: 1))
        random = SplitMix64(seed: plan.seed)
    }

    private var now: Date { clock.now }

    /// Every act is stamped with the simulated instant it happens at.
    private var actor: Actor { Actor(principal: principal, requestID: nil, at: clock.now) }

    /// Runs the whole history; `progress` hears how many of the referrals have been handled.
    /// - Throws: `AlreadyLoaded` when this seed's first imaging result exists; any error that is
    ///   not a service's refusal (the database failing) ends the run.
    public func run(progress: (Int) -> Void) async throws -> Summary {
        arrivals = arrivalsPerDay(plan.lastDay.days(since: plan.firstDay) + 1)
        let start = local.startOfDay(plan.firstDay)
        clock.set(start)
        agenda.push(.startDay(offset: 0), at: start)
        while let next = agenda.pop(), next.at < endInstant {
            clock.set(max(next.at, now))
            let before = processed
            try await handle(next.step)
            if processed != before { progress(processed) }
        }
        summary.bookingsAfterEnd =
            journeys.values.filter { ($0.booking?.start).map { $0 >= endInstant } ?? false }.count
        return summary
    }

    // MARK: - Steps

    private func handle(_ step: Step) async throws {
        switch step {
        case .startDay(let offset): startDay(offset)
        case .imaging(let index): try await imagingArrives(index)
        case .refer(let index): try await refer(index)
        case .book(let index, let kind): try await book(index, kind)
        case .morningRound: try await morningRound()
        case .remind(let index, let appointment): try await remind(index, appointment)
        case .arrive(let index, let appointment): try await arrive(index, appointment)
        case .missed(let index, let appointment): try await missed(index, appointment)
        case .finish(let index, let appointment): try await finish(index, appointment)
        case .cancelVisit(let index, let appointment): try await cancelVisit(index, appointment)
        case .cancelReferral(let index): try await cancelReferral(index)
        case .handOffToSurgery(let index): try await handOffToSurgery(index)
        }
    }

    /// The day's imaging arrivals, in time order, and on weekdays the scheduling desk's morning round.
    private func startDay(_ offset: Int) {
        let day = plan.firstDay.adding(days: offset)
        if offset + 1 < arrivals.count {
            agenda.push(.startDay(offset: offset + 1), at: local.instant(day.adding(days: 1), minute: 1))
        }
        let weekday = local.isWeekday(day)
        // Results come from hospitals around the clock, but mostly in office hours on weekdays.
        let window = weekday ? 450...990 : 480...1080
        let times = (0..<arrivals[offset]).map { _ in
            local.instant(day, minute: int(window)).addingTimeInterval(Double(int(0...59)))
        }.sorted()
        for time in times {
            agenda.push(.imaging(index: nextIndex), at: time)
            nextIndex += 1
        }
        if weekday { agenda.push(.morningRound, at: local.instant(day, minute: 8 * 60)) }
    }

    private func imagingArrives(_ index: Int) async throws {
        let profile = makeProfile(index)
        let draft = ImagingResultDraft(
            clinicID: plan.clinic.clinic.id.description, sourceSystem: profile.source,
            accessionNumber: profile.accession, status: .final, modality: profile.modality,
            performedAt: profile.performedAt, patient: profile.patient, impression: profile.impression,
            findings: profile.findings)
        let submitted: ImagingService.Submitted
        do {
            submitted = try await services.imaging.submit(draft, actor: actor)
        } catch ServiceError.conflict where index == 0 {
            // A final result that differs: an earlier run on another day.
            throw AlreadyLoaded(accession: profile.accession)
        } catch let error as ServiceError {
            if case .unavailable = error { throw error }
            skip("submit imaging", error)
            processed += 1
            return
        }
        if index == 0, case .replayed = submitted.submission { throw AlreadyLoaded(accession: profile.accession) }
        var journey = Journey(profile: profile)
        journey.imagingResultID = submitted.result.id
        journeys[index] = journey
        agenda.push(.refer(index: index), at: now.addingTimeInterval(Double(int(10...90) * 60)))
    }

    private func refer(_ index: Int) async throws {
        processed += 1
        guard var journey = journeys[index] else { return }
        let p = journey.profile
        let draft = ReferralDraft(
            clinicID: nil, patient: nil, referringClinicianName: p.clinician.name,
            referringClinicianNPI: p.clinician.npi, reason: p.reason, symptomOnset: p.onset?.description,
            imagingResultIDs: journey.imagingResultID.map { [$0.description] } ?? [], flags: p.flags, payer: p.payer)
        guard
            let created = try await attempt(
                "create referral",
                {
                    try await services.referrals.create(
                        draft, idempotencyKey: "\(plan.keyPrefix)\(index + 1)", actor: actor)
                })
        else { return drop(index) }
        guard !created.replayed else { return drop(index) }  // Made by an earlier, interrupted run: leave it.
        summary.referralsCreated += 1
        journey.referralID = created.referral.id
        journey.status = created.referral.status
        journey.urgent = created.referral.urgency == .urgent
        journeys[index] = journey
        if journey.status == .surgicalReview {
            summary.surgicalReview += 1
            // Most are taken over by the spine surgeons within days; the rest wait on their review.
            if chance(0.7) {
                agenda.push(.handOffToSurgery(index: index), at: officeTime(after: now, weekdays: int(1...3)))
            } else {
                drop(index)
            }
            return
        }
        if let days = p.cancelAfterDays {
            agenda.push(
                .cancelReferral(index: index),
                at: officeTime(after: local.instant(local.day(now).adding(days: days), minute: 7 * 60), weekdays: 0))
        }
        // Urgent ones are called at once; some routine patients are hard to reach, and those become overdue.
        let delay = journey.urgent ? 0 : (p.hardToReach ? int(6...16) : int(0...2))
        agenda.push(.book(index: index, kind: .evaluation), at: officeTime(after: now, weekdays: delay))
    }

    private func book(_ index: Int, _ kind: VisitKind) async throws {
        guard let journey = journeys[index], journey.needs(kind) else { return }
        if fullOn[kind] == local.day(now) {
            backlogs[line(journey, kind), default: Backlog()].append(index)
            return
        }
        if try await tryBooking(index, kind) == .noTime {
            fullOn[kind] = local.day(now)
            backlogs[line(journey, kind), default: Backlog()].append(index)
        }
    }

    /// Each weekday morning the desk books the waiting referrals, most urgent first, until a kind of
    /// visit has no time left within the search horizon.
    private func morningRound() async throws {
        fullOn = [:]
        for line in Backlog.Line.allCases {
            while let index = backlogs[line]?.first {
                guard let journey = journeys[index], journey.needs(line.kind) else {
                    backlogs[line]?.removeFirst()
                    continue
                }
                if try await tryBooking(index, line.kind) == .noTime {
                    fullOn[line.kind] = local.day(now)
                    break
                }
                backlogs[line]?.removeFirst()
            }
        }
    }

    private enum BookingOutcome { case booked, noTime, refused }

    /// Searches availability and books one of the first times offered; a time taken meanwhile
    /// (`conflict`) passes to the next one.
    private func tryBooking(_ index: Int, _ kind: VisitKind) async throws -> BookingOutcome {
        guard let journey = journeys[index] else { return .refused }
        let (from, horizonDays) = searchStart(journey, kind)
        guard
            let offered = try await attempt(
                "search \(kind.rawValue) times",
                {
                    try await services.scheduling.availability(
                        referralID: journey.referralID, kind: kind, from: from,
                        to: local.adding(days: horizonDays, to: from), limit: 8, actor: actor)
                })
        else {
            drop(index)
            return .refused
        }
        guard !offered.isEmpty else { return .noTime }
        return try await bookFirst(index, kind, of: preferred(offered, journey, kind))
    }

    /// Books the first of `slots` still free; a time taken meanwhile (`conflict`) passes to the
    /// next. Any other refusal drops the referral from the replay.
    private func bookFirst(_ index: Int, _ kind: VisitKind, of slots: [OfferedSlot]) async throws -> BookingOutcome {
        guard var journey = journeys[index] else { return .refused }
        for slot in slots {
            do {
                let (appointment, _) = try await services.scheduling.book(
                    referralID: journey.referralID, kind: kind, start: slot.slot.start,
                    resourceIDs: slot.slot.resources, idempotencyKey: nil, actor: actor)
                journey.booking = Booking(
                    id: appointment.id, kind: kind, start: appointment.start, end: appointment.end)
                try journey.follow(kind.bookingTransition)
                journeys[index] = journey
                try await afterBooking(index, appointment)
                return .booked
            } catch ServiceError.conflict {
                continue
            } catch let error as ServiceError {
                if case .unavailable = error { throw error }
                skip("book \(kind.rawValue)", error)
                drop(index)
                return .refused
            }
        }
        return .noTime
    }

    /// Where the desk starts looking: urgent now; a routine patient on a day that suits them; a
    /// procedure after the anticoagulant hold and the patient's lead time; a follow-up 10+ days on.
    private func searchStart(_ journey: Journey, _ kind: VisitKind) -> (Date, Int) {
        let today = local.day(now)
        let minute = 7 * 60 + 15 * int(0...24)
        switch kind {
        case .evaluation:
            guard !journey.urgent else { return (now, 28) }
            return (max(now, local.instant(local.weekdays(after: today, int(1...7)), minute: minute)), 28)
        case .procedure:
            let lead = max(journey.profile.anticoagulant.holdDays + 1, journey.procedureLeadDays)
            return (max(now, local.instant(today.adding(days: lead), minute: minute)), 42)
        case .followUp:
            let day = journey.procedureDay.map { $0.adding(days: 10) } ?? today
            return (max(now, local.startOfDay(day)), 21)
        }
    }

    /// Urgent and follow-up visits take the first time; others one of the first few, preferring
    /// times within the evaluation target and before the candidacy window closes.
    private func preferred(_ offered: [OfferedSlot], _ journey: Journey, _ kind: VisitKind) -> [OfferedSlot] {
        guard kind != .followUp, !(kind == .evaluation && journey.urgent) else { return offered }
        let good = offered.filter { $0.withinEvaluationTarget && $0.beforeWindowCloses }
        var ordered = (good.isEmpty ? offered : good)
        let chosen = int(0...min(2, ordered.count - 1))
        ordered.swapAt(0, chosen)
        return ordered + offered.filter { slot in !ordered.contains { $0.slot.start == slot.slot.start } }
    }

    /// The visit's day, a possible cancellation before it, and for a procedure its readiness.
    private func afterBooking(_ index: Int, _ appointment: Appointment) async throws {
        let id = appointment.id
        if appointment.kind != .procedure {
            // The desk calls the working day before; a visit booked for the next day is confirmed at
            // once (planned first, so it comes before an arrival at the same instant).
            let call = officeTime(
                after: local.instant(local.weekdays(before: local.day(appointment.start), 1), minute: 7 * 60),
                weekdays: 0)
            agenda.push(.remind(index: index, appointment: id), at: max(now, call))
        }
        let arrival: TimeInterval = appointment.kind == .procedure ? -30 * 60 : -10 * 60
        agenda.push(.arrive(index: index, appointment: id), at: max(now, appointment.start.addingTimeInterval(arrival)))
        agenda.push(.finish(index: index, appointment: id), at: appointment.end)
        let cancelRate: Double =
            switch appointment.kind {
            case .evaluation: 0.03
            case .procedure: 0.04
            case .followUp: 0.02
            }
        let latest = appointment.start.addingTimeInterval(-12 * 3600)
        if chance(cancelRate), latest > now.addingTimeInterval(2 * 3600) {
            let at = officeTime(
                after: now.addingTimeInterval(Double.random(in: 7200...latest.timeIntervalSince(now), using: &random)),
                weekdays: 0)
            if at < latest { agenda.push(.cancelVisit(index: index, appointment: id), at: at) }
        }
        if appointment.kind == .procedure { try await prepareProcedure(index, appointment) }
    }

    /// The reminder call: most patients confirm (consent to the visit); some are not reached.
    private func remind(_ index: Int, _ appointment: AppointmentID) async throws {
        guard let booking = journeys[index]?.booking, booking.id == appointment, booking.start > now, chance(0.85)
        else { return }
        guard
            try await attempt(
                "record consent",
                { try await services.scheduling.recordConsent(appointmentID: appointment, actor: actor) }) != nil
        else { return }
        _ = try await attempt(
            "confirm \(booking.kind.rawValue)",
            { try await services.scheduling.confirm(appointmentID: appointment, actor: actor) })
    }

    /// Most patients consent when they book, and the desk records prior authorization and confirms
    /// while every anticoagulant hold can still be kept; some without a hold sign the consent on the
    /// day, so their bookings show an open readiness item until then.
    private func prepareProcedure(_ index: Int, _ appointment: Appointment) async throws {
        guard let journey = journeys[index], journey.profile.anticoagulant != .none || chance(0.8) else { return }
        let id = appointment.id
        guard
            try await attempt(
                "record consent", { try await services.scheduling.recordConsent(appointmentID: id, actor: actor) })
                != nil
        else { return }
        journeys[index]?.consented = true
        if journey.profile.payer == "Commercial Example" { try await recordPriorAuthorization(journey) }
        do {
            _ = try await services.scheduling.confirm(appointmentID: id, actor: actor)
        } catch ServiceError.notReady(let items) where items.map(\.pointer) == ["/readiness/prior_authorization"] {
            try await recordPriorAuthorization(journey)
            _ = try await attempt(
                "confirm procedure", { try await services.scheduling.confirm(appointmentID: id, actor: actor) })
        } catch let error as ServiceError {
            if case .unavailable = error { throw error }
            skip("confirm procedure", error)
        }
    }

    private func recordPriorAuthorization(_ journey: Journey) async throws {
        let number = "PA-\(plan.seed)-\(journey.profile.index + 1)"
        _ = try await attempt(
            "record prior authorization",
            {
                try await services.scheduling.recordPriorAuthorization(
                    referralID: journey.referralID, number: number, actor: actor)
            })
    }

    private func arrive(_ index: Int, _ appointment: AppointmentID) async throws {
        guard let journey = journeys[index], let booking = journey.booking, booking.id == appointment else { return }
        let noShowRate: Double =
            switch booking.kind {
            case .evaluation: 0.04
            case .procedure: 0.02
            case .followUp: 0.05
            }
        let lastDay = local.day(booking.start) == plan.lastDay && plan.missOneVisitOnLastDay && !missedOnLastDay
        if lastDay { missedOnLastDay = true }
        if lastDay || chance(noShowRate) {
            // Marked missed a while after the start, and before the visit's end would complete it.
            let wait = min(15 * 60, booking.end.timeIntervalSince(booking.start) / 2)
            agenda.push(.missed(index: index, appointment: appointment), at: booking.start.addingTimeInterval(wait))
            return
        }
        if booking.kind == .procedure, !journey.consented {
            guard
                try await attempt(
                    "record consent",
                    {
                        try await services.scheduling.recordConsent(appointmentID: appointment, actor: actor)
                    }) != nil
            else { return drop(index) }
            journeys[index]?.consented = true
        }
        if try await attempt(
            "check in", { try await services.scheduling.checkIn(appointmentID: appointment, actor: actor) }) == nil
        {
            drop(index)
        }
    }

    private func missed(_ index: Int, _ appointment: AppointmentID) async throws {
        guard let journey = journeys[index], let booking = journey.booking, booking.id == appointment else { return }
        guard
            try await attempt(
                "mark no-show", { try await services.scheduling.noShow(appointmentID: appointment, actor: actor) })
                != nil
        else { return drop(index) }
        summary.noShows += 1
        try await rebookAfterDisruption(index, booking.kind)
    }

    private func cancelVisit(_ index: Int, _ appointment: AppointmentID) async throws {
        guard let journey = journeys[index], let booking = journey.booking, booking.id == appointment,
            booking.start > now
        else { return }
        let reason = pick([
            "Patient unwell, asked to rebook.", "No transport on the day.", "Patient in hospital with pneumonia.",
            "Family emergency.", "Patient asked for a later date.", "Driver not available.",
        ])
        // Through the waitlist, as the API does: a freed procedure time is offered to the next candidate.
        guard
            try await attempt(
                "cancel visit",
                { try await services.waitlist.cancel(appointmentID: appointment, reason: reason, actor: actor) }) != nil
        else { return drop(index) }
        summary.visitsCancelled += 1
        try await rebookAfterDisruption(index, booking.kind)
    }

    /// The referral went back to the state that needs a booking: book again, unless the patient has
    /// missed or cancelled three times, when the referral is cancelled (or, after the procedure, the
    /// follow-up is given up and the referral stays done).
    private func rebookAfterDisruption(_ index: Int, _ kind: VisitKind) async throws {
        guard var journey = journeys[index] else { return }
        journey.booking = nil
        journey.disruptions += 1
        try journey.follow(.appointmentCancelled)
        journeys[index] = journey
        if journey.disruptions >= 3 {
            if kind == .followUp {
                drop(index)
            } else {
                try await cancel(index, reason: "Missed or cancelled three booked visits.")
            }
        } else {
            agenda.push(.book(index: index, kind: kind), at: officeTime(after: now, weekdays: int(1...4)))
        }
    }

    private func finish(_ index: Int, _ appointment: AppointmentID) async throws {
        guard let journey = journeys[index], let booking = journey.booking, booking.id == appointment else { return }
        guard
            let completed = try await attempt(
                "complete \(booking.kind.rawValue)",
                {
                    try await services.scheduling.complete(appointmentID: appointment, actor: actor)
                })
        else { return drop(index) }
        journeys[index]?.booking = nil
        switch booking.kind {
        case .evaluation: try await evaluate(index)
        case .procedure:
            summary.proceduresDone += 1
            try journeys[index]?.follow(.completeProcedure)
            journeys[index]?.procedureDay = local.day(booking.start)
            try await bookFollowUp(index, offered: completed.followUp)
        case .followUp:
            summary.closed += 1
            drop(index)
        }
    }

    /// The clinician records the evaluation as the profile planned it; a decision the rule set does
    /// not recommend (another clinic's rules) is made with the clinician's reason.
    private func evaluate(_ index: Int) async throws {
        guard let journey = journeys[index] else { return }
        let (findings, decision) = evaluationBody(journey.profile)
        var record: EvaluationRecord?
        do {
            record = try await services.evaluations.record(
                referralID: journey.referralID, findings: findings, decision: decision, actor: actor)
        } catch ServiceError.invalid(let violations) where violations.violations.map(\.pointer) == ["/decision/reason"]
        {
            var reasoned = decision
            reasoned.reason = "Clinical judgement after examination and review of the imaging."
            record = try await attempt(
                "record evaluation",
                {
                    try await services.evaluations.record(
                        referralID: journey.referralID, findings: findings, decision: reasoned, actor: actor)
                })
        } catch let error as ServiceError {
            if case .unavailable = error { throw error }
            skip("record evaluation", error)
        }
        guard let record else { return drop(index) }
        summary.evaluations += 1
        guard record.outcome == .candidate else { return drop(index) }
        summary.candidates += 1
        try journeys[index]?.follow(.recordEvaluation(.candidate))
        journeys[index]?.procedureLeadDays = weighted([(int(3...6), 3), (int(7...14), 5), (int(15...28), 2)])
        agenda.push(.book(index: index, kind: .procedure), at: officeTime(after: now, weekdays: int(0...3)))
    }

    /// The follow-up about two weeks on: one of the times `complete` proposed, else the desk searches later.
    private func bookFollowUp(_ index: Int, offered: [OfferedSlot]) async throws {
        if try await bookFirst(index, .followUp, of: offered) == .noTime {
            agenda.push(.book(index: index, kind: .followUp), at: officeTime(after: now, weekdays: 1))
        }
    }

    /// The patient or the referrer withdrew; only while nothing irreversible has happened.
    private func cancelReferral(_ index: Int) async throws {
        guard let journey = journeys[index] else { return }
        switch journey.status {
        case .triaged, .evaluationScheduled, .evaluated(.candidate), .procedureScheduled: break
        default: return
        }
        // A visit about to start or under way is left to finish.
        if let booking = journey.booking, booking.start < now.addingTimeInterval(3600) { return }
        let reason = pick([
            "Patient chose conservative care.", "Pain resolved with bracing.", "Patient moved out of state.",
            "Referred to another clinic closer to home.", "Patient declined the procedure.",
        ])
        try await cancel(index, reason: reason)
    }

    private func handOffToSurgery(_ index: Int) async throws {
        guard journeys[index]?.status == .surgicalReview else { return }
        let before = summary.referralsCancelled
        try await cancel(index, reason: "Accepted by spine surgery; leaves the kyphoplasty pathway.")
        summary.handedToSurgery += summary.referralsCancelled - before
    }

    /// Cancels a referral, first freeing its booking (a cancelled referral's booking would otherwise
    /// keep its room and clinician).
    private func cancel(_ index: Int, reason: String) async throws {
        guard let journey = journeys[index] else { return }
        if let booking = journey.booking, booking.start > now {
            guard
                try await attempt(
                    "cancel visit",
                    {
                        try await services.waitlist.cancel(
                            appointmentID: booking.id, reason: "Referral cancelled: \(reason)", actor: actor)
                    }) != nil
            else { return drop(index) }
            summary.visitsCancelled += 1
        }
        if try await attempt(
            "cancel referral",
            {
                try await services.referrals.cancel(
                    referralID: journey.referralID, reason: reason, expectedVersion: nil, actor: actor)
            }) != nil
        {
            summary.referralsCancelled += 1
        }
        drop(index)
    }

    // MARK: - Bookkeeping

    /// Runs one service call. A refusal is counted and answers nil; anything else (the database
    /// failing) ends the run.
    private func attempt<T>(_ step: String, _ body: () async throws -> T) async throws -> T? {
        do {
            return try await body()
        } catch let error as ServiceError {
            if case .unavailable = error { throw error }
            skip(step, error)
            return nil
        }
    }

    private func skip(_ step: String, _ error: ServiceError) {
        let kind =
            switch error {
            case .invalid: "invalid"
            case .unknownReference: "unknown reference"
            case .notFound: "not found"
            case .illegalTransition: "illegal transition"
            case .conflict: "conflict"
            case .notReady: "not ready"
            case .versionMismatch: "version mismatch"
            case .idempotencyKeyReused: "idempotency key reused"
            case .unavailable: "unavailable"
            case .offerClosed: "offer closed"
            case .forbidden: "forbidden"
            case .bookingsInTheWay: "bookings in the way"
            case .unprocessable: "unprocessable"
            }
        summary.skipped["\(step): \(kind)", default: 0] += 1
    }

    /// The simulation stops following a referral (finished, or refused by a service).
    private func drop(_ index: Int) { journeys[index] = nil }

    private func line(_ journey: Journey, _ kind: VisitKind) -> Backlog.Line {
        switch kind {
        case .evaluation: journey.urgent ? .urgentEvaluation : .evaluation
        case .procedure: .procedure
        case .followUp: .followUp
        }
    }

    /// A time the scheduling desk works (weekdays 08:00-16:30): later the same day when `weekdays`
    /// is 0 and the desk is still open, else in the morning of the `weekdays`-th working day on.
    private func officeTime(after instant: Date, weekdays: Int) -> Date {
        let day = local.day(instant)
        let minute = local.minute(instant)
        let closes = 16 * 60 + 30
        if weekdays == 0, local.isWeekday(day), minute < closes - 5 {
            let earliest = max(minute + 5, 8 * 60)
            return max(instant, local.instant(day, minute: earliest + int(0...min(90, closes - earliest))))
        }
        return local.instant(local.weekdays(after: day, max(1, weekdays)), minute: 8 * 60 + int(0...300))
    }

    /// How many results arrive on each day: weekends see about a sixth of a weekday's.
    private func arrivalsPerDay(_ dayCount: Int) -> [Int] {
        var cumulative: [Double] = []
        var total = 0.0
        for offset in 0..<dayCount {
            total += local.isWeekday(plan.firstDay.adding(days: offset)) ? 1 : 0.15
            cumulative.append(total)
        }
        var counts = [Int](repeating: 0, count: dayCount)
        for _ in 0..<plan.referrals {
            let target = Double.random(in: 0..<total, using: &random)
            var low = 0
            var high = dayCount - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            counts[low] += 1
        }
        return counts
    }

    // MARK: - Random choices

    private func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }

    private func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    private func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    private func weighted<T>(_ items: [(T, Double)]) -> T {
        var target = Double.random(in: 0..<items.reduce(0) { $0 + $1.1 }, using: &random)
        for (item, weight) in items {
            if target < weight { return item }
            target -= weight
        }
        return items[items.count - 1].0
    }

    // MARK: - Patients and their fractures

    /// One patient's story, drawn when their imaging arrives.
    private func makeProfile(_ index: Int) -> Profile {
        let arrivedOn = local.day(now)
        let female = chance(0.7)
        let age = int(55...92)
        let birth =
            (try? LocalDate(year: arrivedOn.year - age, month: int(1...12), day: int(1...28)))
            ?? arrivedOn.adding(days: -age * 365)
        let patient = ReferralDraft.PatientDraft(
            mrn: "\(plan.mrnPrefix)\(String(format: "%06d", index + 1))",
            givenName: pick(female ? Names.female : Names.male),
            familyName: pick(Names.family), birthDate: birth.description, sex: female ? .female : .male)
        // Most referrers send an MRI; an X-ray or CT alone cannot date the fracture, and those are deferred.
        let modality = weighted([(Modality.mri, 76), (.xRay, 11), (.ct, 7), (.boneScan, 6)])
        let showsAcuity = modality.showsAcuity
        // Adjacent levels around the thoracolumbar junction, where most osteoporotic fractures are.
        let count = weighted([(1, 72), (2, 22), (3, 6)])
        let primary = weighted(Levels.weights.enumerated().map { ($0.offset, $0.element) })
        let first = max(0, min(primary, Levels.all.count - count))
        let levels = Array(Levels.all[first..<(first + count)])
        let retropulsion = chance(0.03)
        let infection = chance(0.01)
        let malignancy = chance(0.04)
        var findings: [ImagingResultDraft.FindingDraft] = []
        for (position, level) in levels.enumerated() {
            let edema: EdemaFinding =
                showsAcuity
                ? weighted([
                    (EdemaFinding.present, position == 0 ? 85 : 55), (.absent, position == 0 ? 10 : 40), (.unknown, 5),
                ])
                : weighted([(EdemaFinding.unknown, 90), (.absent, 10)])
            findings.append(
                .init(
                    level: level.description, heightLossPercent: Double(int(15...60)),
                    morphology: weighted([(FractureMorphology.wedge, 55), (.biconcave, 30), (.crush, 15)]),
                    edema: edema,
                    retropulsion: position == 0 && retropulsion, suspectedMalignancy: position == 0 && malignancy,
                    suspectedInfection: position == 0 && infection))
        }
        let performedAt = now.addingTimeInterval(-Double(modality == .xRay ? int(1...24) : int(2...72)) * 3600)
        let performedOn = local.day(performedAt)
        let onset: LocalDate? =
            chance(0.1)
            ? nil : performedOn.adding(days: -weighted([(int(1...14), 5), (int(15...42), 3), (int(43...70), 1)]))
        let flags = ClinicalFlags(
            neurologicalDeficit: chance(0.02), cancerHistory: chance(0.06), longTermSteroids: chance(0.08),
            knownOsteoporosis: chance(0.6), severePain: chance(0.25), hospitalised: chance(0.05))
        let recent =
            showsAcuity ? findings.filter { $0.edema == .present }.compactMap { try? VertebralLevel($0.level) } : []
        let old =
            showsAcuity ? findings.filter { $0.edema == .absent }.compactMap { try? VertebralLevel($0.level) } : []
        let evaluation: EvaluationPlan
        if !recent.isEmpty {
            evaluation = chance(0.15) ? .lowPain(Array(recent.prefix(2))) : .candidate(Array(recent.prefix(2)))
        } else if !old.isEmpty, findings.allSatisfy({ $0.edema != .unknown }) {
            evaluation = .notRecent(Array(old.prefix(2)))
        } else {
            evaluation = .needsMRI(Array(levels.prefix(2)))
        }
        let levelText = levels.map(\.description).joined(separator: levels.count == 2 ? " and " : ", ")
        let morphology = findings[0].morphology?.rawValue ?? "compression"
        let loss = Int(findings[0].heightLossPercent)
        let dating: String =
            switch (showsAcuity, findings[0].edema) {
            case (true, .present):
                "Acute \(levelText) \(morphology) compression fracture\(count > 1 ? "s" : ""), \(loss)% height loss at \(levels[0]), marrow edema\(modality == .mri ? " on STIR" : " (uptake)")."
            case (true, .absent):
                "Healed \(levelText) \(morphology) compression deformit\(count > 1 ? "ies" : "y"), \(loss)% height loss, no marrow edema."
            default:
                "\(levelText) \(morphology) compression deformit\(count > 1 ? "ies" : "y"), \(loss)% height loss, age indeterminate."
            }
        let impression =
            dating
            + (retropulsion ? " Retropulsed fragment with canal compromise." : "")
            + (malignancy ? " Lytic change; pathologic fracture cannot be excluded." : "")
            + (infection ? " Endplate erosion; discitis cannot be excluded." : "")
        let care = pick([
            "oral analgesics", "bracing", "physical therapy", "rest and analgesics", "a lumbar brace and tramadol",
        ])
        var reason =
            "\(levelText) fracture\(count > 1 ? "s" : ""); pain NRS \(int(5...9)) despite \(int(2...8)) weeks of \(care)."
        if flags.longTermSteroids { reason += " Long-term prednisone." }
        if flags.cancerHistory { reason += " History of \(pick(["breast", "prostate", "lung"])) cancer." }
        if flags.neurologicalDeficit { reason += " New leg weakness." }
        let modalityCode = modality.rawValue
        return Profile(
            index: index, patient: patient, source: pick(plan.sourceSystems),
            accession: "\(modalityCode)-\(plan.accessionPrefix)\(String(format: "%06d", index + 1))",
            modality: modality,
            performedAt: performedAt, findings: findings, impression: impression, onset: onset, flags: flags,
            payer: weighted(Self.payers),
            clinician: pick(Names.referrers), reason: reason, evaluation: evaluation,
            anesthesia: chance(0.15) ? .general : .localWithSedation,
            anticoagulant: weighted([
                (Anticoagulant.none, 55), (.doac, 18), (.warfarin, 12), (.clopidogrel, 10), (.lmwh, 5),
            ]),
            hardToReach: chance(0.1), cancelAfterDays: chance(0.03) ? int(3...30) : nil)
    }

    /// Payers and their share; "Commercial Example" has the stricter rule set that asks for prior
    /// authorization, the others fall to the clinic's default set.
    private static let payers: [(String?, Double)] = [
        ("Medicare", 58), ("Commercial Example", 14), ("Medicaid", 10), ("Blue Cross", 12), (nil, 6),
    ]

    /// The evaluation visit's findings and decision for a planned outcome. Candidates meet the
    /// stricter of the shipped rule sets (NRS >= 7, 6 weeks, at most 2 levels within T5-L5).
    private func evaluationBody(_ profile: Profile) -> (EvaluationFindings, EvaluationDecisionDraft) {
        let hospitalised = profile.flags.hospitalised
        let worsening = chance(0.5)
        var findings = EvaluationFindings(
            painNRS: hospitalised ? int(8...10) : int(7...9), hospitalised: hospitalised, painWorsening: worsening,
            furtherHeightLoss: !worsening || chance(0.3), kyphoticDeformity: !worsening || chance(0.4),
            rolandMorris: int(10...22),
            painFromTargetFracture: true,
            conservativeCare: ConservativeCare(
                medication: true, rest: chance(0.5), bracing: chance(0.6), physicalTherapy: chance(0.5),
                weeks: int(6...10)),
            contraindications: .noneFound, boneDensityReferral: true, osteoporosisEducation: true, myeloma: false,
            levels: [], anesthesia: profile.anesthesia, anticoagulant: profile.anticoagulant,
            inr: Double(int(9...14)) / 10, platelets: Double(int(140...380)))
        switch profile.evaluation {
        case .candidate(let levels):
            findings.levels = levels
            return (findings, EvaluationDecisionDraft(outcome: .candidate, reason: nil, reevaluateOn: nil))
        case .lowPain(let levels):
            findings.levels = levels
            findings.painNRS = int(2...4)
            findings.painWorsening = false
            findings.furtherHeightLoss = false
            findings.kyphoticDeformity = false
            findings.rolandMorris = int(3...9)
            return (findings, EvaluationDecisionDraft(outcome: .notCandidate, reason: nil, reevaluateOn: nil))
        case .notRecent(let levels):
            findings.levels = levels
            return (findings, EvaluationDecisionDraft(outcome: .notCandidate, reason: nil, reevaluateOn: nil))
        case .needsMRI(let levels):
            findings.levels = levels
            return (
                findings,
                EvaluationDecisionDraft(
                    outcome: .deferred, reason: "MRI with STIR needed to date the fracture.",
                    reevaluateOn: local.day(now).adding(days: int(21...42)).description)
            )
        }
    }
}

// MARK: - The simulation's pieces
