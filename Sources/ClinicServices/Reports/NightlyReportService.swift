import ClinicDomain
import Foundation

/// Builds the nightly report for one clinic-day, and records it once the day is over so every
/// later or concurrent run shows the same numbers.
public struct NightlyReportService: Sendable {
    private let store: any ReportStore
    private let setup: any ClinicSetupStore
    private let scheduling: SchedulingService
    private let audit: any AuditStore
    private let reach: ClinicReach
    private let now: @Sendable () -> Date

    /// The candidacy-window horizon the at-risk list looks ahead.
    public static let windowHorizonDays = 14
    /// The rolling period, in days, ending with the report's day.
    public static let rollingDays = 30
    /// Time-to-evaluation histogram bars.
    static let buckets: [(label: String, min: Int, max: Int?)] = [
        ("same day", 0, 0), ("1–3 days", 1, 3), ("4–7 days", 4, 7), ("8–14 days", 8, 14), ("15–28 days", 15, 28),
        ("over 28 days", 29, nil),
    ]

    public init(
        store: any ReportStore, setup: any ClinicSetupStore, scheduling: SchedulingService, audit: any AuditStore,
        reach: ClinicReach, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.setup = setup
        self.scheduling = scheduling
        self.audit = audit
        self.reach = reach
        self.now = now
    }

    /// The report for `clinicID` (optional when the caller reaches one clinic) and `date`
    /// (`YYYY-MM-DD`, `today` or `yesterday` in the clinic's zone; yesterday when absent: the
    /// last whole day). A finished day's report is recorded on first request and read back after;
    /// `recompute` replaces the record. Today's is computed afresh each time and not recorded.
    public func nightly(clinicID: ClinicID?, day: ReportDay = .yesterday, recompute: Bool = false, actor: Actor)
        async throws -> RecordedReport
    {
        let clinic = try await resolveClinic(clinicID, actor)
        let now = actor.at
        let today = LocalDate(now, in: clinic.clinic.timeZone.zone)
        let date = try resolveDate(day, today: today)
        let result: RecordedReport
        if date < today {
            result = try await store.recorded(
                clinicID: clinic.clinic.id, date: date, generatedBy: actor.principal.name, recompute: recompute,
                scope: actor.scope
            ) {
                try await compute(clinic, date, actor: actor)
            }
        } else {
            result = RecordedReport(report: try await compute(clinic, date, actor: actor), reused: false)
        }
        try await audit.record(
            AuditEntry(actor: actor, action: "report.read", entityType: "clinic", entityID: clinic.clinic.id.rawValue))
        return result
    }

    /// The network summary: every clinic's report for `day` (each resolved on its own
    /// calendar, recorded and audited as `nightly` does) and the totals. Network-wide tokens only.
    public func network(day: ReportDay = .yesterday, recompute: Bool = false, actor: Actor) async throws
        -> NetworkReport
    {
        try await reach.requireNetwork(actor, to: "read the network summary")
        var reports: [NightlyReport] = []
        for clinicID in try await store.clinicIDs(limit: Self.maximumNetworkClinics) {
            reports.append(try await nightly(clinicID: clinicID, day: day, recompute: recompute, actor: actor).report)
        }
        return NetworkReport(
            day: day.description,
            generatedAt: Date(timeIntervalSince1970: actor.at.timeIntervalSince1970.rounded(.down)),
            clinics: reports)
    }

    /// The most clinics one network summary covers.
    public static let maximumNetworkClinics = 500

    /// The clinic asked for, checked against the caller's reach; without one, the only clinic
    /// the caller reaches.
    private func resolveClinic(_ given: ClinicID?, _ actor: Actor) async throws -> ClinicSetup {
        let unknownClinic = ServiceError.unknownReference(pointer: "/clinicId", entity: "clinic")
        let id: ClinicID
        if let given {
            try await reach.require(given, actor, else: unknownClinic)
            id = given
        } else {
            // A clinic-scoped token names its clinics (each exists: api_token_clinics refers to
            // them); only a network-wide one needs the list.
            var ids = actor.scope.clinicIDs ?? []
            if actor.scope.isNetwork { ids = try await store.clinicIDs(limit: Self.maximumNetworkClinics) }
            guard ids.count == 1 else {
                throw ServiceError.invalid(
                    "/clinicId",
                    ids.isEmpty
                        ? "no clinic exists yet that this token reaches"
                        : "is required: this token reaches more than one clinic")
            }
            id = ids[0]
        }
        guard let clinic = try await setup.clinicSetup(id: id) else { throw unknownClinic }
        return clinic
    }

    private func resolveDate(_ day: ReportDay, today: LocalDate) throws -> LocalDate {
        let date: LocalDate =
            switch day {
            case .yesterday: today.adding(days: -1)
            case .today: today
            case .on(let date): date
            }
        guard date <= today else {
            throw ServiceError.invalid("/date", "is after today (\(today)) in the clinic's time zone")
        }
        guard date.year >= 2000 else { throw ServiceError.invalid("/date", "must be in 2000 or later") }
        return date
    }

    /// The report's figures come from one place: the replica when it has caught up, else the
    /// primary. A replica that fails under the report (stopped, restarted, cut off, or a query
    /// cancelled by a recovery conflict) costs a second computation on the primary, not the report.
    private func compute(_ setup: ClinicSetup, _ date: LocalDate, actor: Actor) async throws -> NightlyReport {
        let figures = await store.figures()
        do {
            return try await compute(setup, date, actor: actor, figures: figures)
        } catch  where figures.fromReplica && !(error is CancellationError) && !(error is DeadlineExceeded) {
            figures.readFailed(error)
            return try await compute(setup, date, actor: actor, figures: store.primaryFigures)
        }
    }

    /// - Parameter actor: its `at` is when the report is made: its stamp, and the moment the
    ///   forward-looking sections (tomorrow's sheet, utilisation) show the bookings as of.
    private func compute(_ setup: ClinicSetup, _ date: LocalDate, actor: Actor, figures store: any ReportFigures)
        async throws -> NightlyReport
    {
        let now = actor.at
        let scope = actor.scope
        let clinic = setup.clinic
        let zone = clinic.timeZone
        let dayStart = zone.startOfDay(date)
        let dayEnd = zone.startOfDay(date.adding(days: 1))
        let rollingFrom = date.adding(days: 1 - Self.rollingDays)
        let rollingStart = zone.startOfDay(rollingFrom)

        let arrivals = try await store.newReferrals(clinicID: clinic.id, from: dayStart, to: dayEnd, scope: scope)
        let funnels = try await store.funnels(
            clinicID: clinic.id, dayFrom: dayStart, rollingFrom: rollingStart, to: dayEnd, scope: scope)
        let durations = try await store.durations(
            clinicID: clinic.id, zone: zone, from: rollingStart, to: dayEnd, scope: scope)
        let horizon = date.adding(days: Self.windowHorizonDays)
        // Overdue uses the same states as the referral list's filter; surgical review included,
        // since a red-flag referral nobody has acted on is the most overdue of all.
        let open = try await store.referralsNeedingAction(
            clinicID: clinic.id, asOf: dayEnd,
            statuses: ReferralStatus.allCases.filter { $0.awaitsEvaluation || $0.awaitsProcedure },
            dueBefore: date, windowFrom: date, windowThrough: horizon, scope: scope)
        let tomorrow = try await scheduling.daySheetEntries(setup, day: date.adding(days: 1), actor: actor)
        let week = (0...7).map { date.adding(days: $0) }
        let usage = try await store.usage(
            clinicID: clinic.id, from: dayStart, to: zone.startOfDay(date.adding(days: 8)), now: now, scope: scope)
        let disruptions = try await store.disruptions(clinicID: clinic.id, from: dayStart, to: dayEnd, scope: scope)
        let waiting = try await store.waitlist(clinicID: clinic.id, asOf: dayEnd, scope: scope)

        let overdue = open.filter { $0.status.isOverdue(due: $0.evaluationDueOn, today: date) }
        let closing = open.filter { row in
            row.status.awaitsProcedure && row.windowClosesOn.map { $0 >= date && $0 <= horizon } == true
        }
        .sorted { ($0.windowClosesOn!, $0.receivedAt) < ($1.windowClosesOn!, $1.receivedAt) }

        return NightlyReport(
            clinic: .init(id: clinic.id.description, name: clinic.name.value, timeZone: zone.identifier),
            date: date.description, rollingFrom: rollingFrom.description,
            generatedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)),
            newReferrals: Self.newReferrals(arrivals),
            funnel: .init(
                day: Self.funnel(funnels.day, from: date, to: date),
                rolling30Days: Self.funnel(funnels.rolling, from: rollingFrom, to: date)),
            timings: .init(
                referralToEvaluation: Self.stats(durations.toEvaluation),
                evaluationToProcedure: Self.stats(durations.toProcedure)),
            overdue: overdue.map { atRisk($0, on: date, zone: zone, overdue: true) },
            windowClosing: closing.map { atRisk($0, on: date, zone: zone, overdue: false) },
            tomorrow: .init(date: date.adding(days: 1).description, visits: tomorrow.map { visit($0, zone: zone) }),
            utilisation: usage.map { row in
                NightlyReport.ResourceUse(
                    resourceId: row.resource.id.description, name: row.resource.name.value,
                    kind: row.resource.kind.rawValue,
                    days: Utilisation.days(week, zone: zone, weekly: row.weekly, blocks: row.blocks, booked: row.booked)
                        .map {
                            .init(
                                date: $0.date.description, availableMinutes: $0.availableMinutes,
                                bookedMinutes: $0.bookedMinutes, percent: $0.percent)
                        })
            },
            disruptions: .init(
                cancelled: disruptions.filter { $0.state == .cancelled }.count,
                noShows: disruptions.filter { $0.state == .noShow }.count,
                visits: disruptions.map {
                    .init(
                        appointmentId: $0.appointmentID.description, kind: $0.kind.rawValue, state: $0.state.rawValue,
                        starts: zone.wallClock($0.start), patientName: $0.patientName, reason: $0.reason)
                }),
            waitlist: .init(
                length: waiting.length,
                oldest: waiting.oldest.map {
                    let since = LocalDate($0.candidateSince, in: zone.zone)
                    return .init(
                        referralId: $0.referralID.description, patientName: $0.patientName,
                        candidateSince: since.description,
                        waitingDays: date.days(since: since))
                }))
    }

    static func newReferrals(_ counts: [NewReferralCount]) -> NightlyReport.NewReferrals {
        var urgencies = ["surgical_review": 0, "urgent": 0, "routine": 0]
        var sources: [String: Int] = [:]
        for count in counts {
            urgencies[count.urgency ?? "untriaged", default: 0] += count.count
            sources[count.source, default: 0] += count.count
        }
        let order = ["surgical_review", "urgent", "routine", "untriaged"]
        return .init(
            total: counts.reduce(0) { $0 + $1.count },
            byUrgency: urgencies.sorted {
                (order.firstIndex(of: $0.key) ?? 9, $0.key) < (order.firstIndex(of: $1.key) ?? 9, $1.key)
            }
            .map { .init(key: $0.key, count: $0.value) },
            bySource: sources.sorted { $0.key < $1.key }.map { .init(key: $0.key, count: $0.value) })
    }

    static func funnel(_ counts: FunnelCounts, from: LocalDate, to: LocalDate) -> NightlyReport.Funnel {
        let steps = [
            ("received", counts.received), ("evaluated", counts.evaluated), ("candidate", counts.candidate),
            ("procedure_booked", counts.procedureBooked), ("done", counts.done),
        ]
        return .init(
            from: from.description, to: to.description,
            stages: steps.enumerated().map { index, step in
                let previous = index > 0 ? steps[index - 1].1 : 0
                return .init(
                    stage: step.0, count: step.1,
                    conversionPercent: previous > 0 ? (Double(step.1) * 1000 / Double(previous)).rounded() / 10 : nil)
            })
    }

    static func stats(_ distribution: DayDistribution) -> NightlyReport.DurationStats {
        .init(
            count: distribution.total, medianDays: distribution.percentile(0.5).map(oneDecimal),
            p90Days: distribution.percentile(0.9).map(oneDecimal),
            distribution: buckets.map {
                .init(
                    label: $0.label, minDays: $0.min, maxDays: $0.max,
                    count: distribution.count(from: $0.min, through: $0.max))
            })
    }

    private static func oneDecimal(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    private func atRisk(_ row: ReferralActionRow, on date: LocalDate, zone: ClinicTimeZone, overdue: Bool)
        -> NightlyReport.ReferralAtRisk
    {
        let received = LocalDate(row.receivedAt, in: zone.zone)
        return .init(
            referralId: row.referralID.description, patientName: row.patientName, mrn: row.mrn, urgency: row.urgency,
            status: row.status.code, receivedOn: received.description, ageDays: date.days(since: received),
            evaluationDueOn: row.evaluationDueOn?.description,
            daysOverdue: overdue ? row.evaluationDueOn.map { date.days(since: $0) } : nil,
            windowClosesOn: row.windowClosesOn?.description,
            daysLeft: overdue ? nil : row.windowClosesOn.map { $0.days(since: date) },
            nextAction: Self.nextAction(row, zone: zone))
    }

    /// What someone should do about a referral, from where it stands.
    static func nextAction(_ row: ReferralActionRow, zone: ClinicTimeZone) -> String {
        let visit = row.nextVisit.map { LocalDate($0, in: zone.zone).description }
        switch row.status {
        case .received: return "Triage the referral"
        case .surgicalReview: return "Chase the surgical review: close it or return it to the pathway"
        case .triaged: return visit.map { "Confirm the evaluation held for \($0)" } ?? "Book an evaluation"
        case .evaluationScheduled:
            guard let visit else { return "Rebook the evaluation" }
            if let due = row.evaluationDueOn, let day = row.nextVisit.map({ LocalDate($0, in: zone.zone) }), day > due {
                return "Bring the evaluation on \(visit) forward (due \(due))"
            }
            return "Evaluate on \(visit)"
        case .evaluated(.candidate): return visit.map { "Confirm the procedure held for \($0)" } ?? "Book the procedure"
        case .evaluated(.deferred): return row.reevaluateOn.map { "Re-evaluate from \($0)" } ?? "Book a re-evaluation"
        default: return "Review the referral"
        }
    }

    private func visit(_ entry: DaySheetEntry, zone: ClinicTimeZone) -> NightlyReport.Visit {
        let appointment = entry.appointment
        return .init(
            appointmentId: appointment.id.description, referralId: appointment.referralID.description,
            kind: appointment.kind.rawValue, state: appointment.state.rawValue,
            starts: zone.wallClock(appointment.start), ends: zone.wallClock(appointment.end),
            patientName: "\(entry.patient.details.familyName.value), \(entry.patient.details.givenName.value)",
            mrn: entry.patient.details.mrn.value,
            levels: entry.plan?.levels.map(\.description) ?? [], resources: appointment.resources.map(\.name.value),
            openItems: entry.openItems.map(\.detail))
    }
}

/// Which day a report is for, on the clinic's calendar.
public enum ReportDay: Sendable, Hashable {
    /// The last whole day: the default.
    case yesterday
    case today
    case on(LocalDate)

    /// `YYYY-MM-DD`, `today` or `yesterday`; nil for anything else.
    public init?(text: String) {
        switch text {
        case "yesterday": self = .yesterday
        case "today": self = .today
        default:
            guard let date = try? LocalDate(iso8601: text) else { return nil }
            self = .on(date)
        }
    }

    /// The day as it is written: `yesterday`, `today` or `YYYY-MM-DD`.
    public var description: String {
        switch self {
        case .yesterday: "yesterday"
        case .today: "today"
        case .on(let date): date.description
        }
    }
}
