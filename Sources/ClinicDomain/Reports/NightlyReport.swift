import Foundation

/// The nightly admin report for one clinic's day: what came in, how the pathway converts, how
/// long it takes, who is at risk, tomorrow's list, how busy rooms and clinicians are, and the
/// waitlist. Its `Codable` form is the JSON the API and `--format json` give.
public struct NightlyReport: Codable, Hashable, Sendable {
    public var clinic: ClinicHeader
    /// The report's day in the clinic's zone, `YYYY-MM-DD`.
    public var date: String
    /// The rolling period's first day (29 days before `date`); it ends with `date`.
    public var rollingFrom: String
    public var generatedAt: Date
    public var newReferrals: NewReferrals
    public var funnel: Funnels
    public var timings: Timings
    public var overdue: [ReferralAtRisk]
    public var windowClosing: [ReferralAtRisk]
    public var tomorrow: DaySheet
    public var utilisation: [ResourceUse]
    public var disruptions: Disruptions
    public var waitlist: WaitlistSummary

    public init(
        clinic: ClinicHeader, date: String, rollingFrom: String, generatedAt: Date, newReferrals: NewReferrals,
        funnel: Funnels, timings: Timings, overdue: [ReferralAtRisk], windowClosing: [ReferralAtRisk],
        tomorrow: DaySheet,
        utilisation: [ResourceUse], disruptions: Disruptions, waitlist: WaitlistSummary
    ) {
        self.clinic = clinic
        self.date = date
        self.rollingFrom = rollingFrom
        self.generatedAt = generatedAt
        self.newReferrals = newReferrals
        self.funnel = funnel
        self.timings = timings
        self.overdue = overdue
        self.windowClosing = windowClosing
        self.tomorrow = tomorrow
        self.utilisation = utilisation
        self.disruptions = disruptions
        self.waitlist = waitlist
    }

    /// Which clinic, in which zone.
    public struct ClinicHeader: Codable, Hashable, Sendable {
        public var id: String
        public var name: String
        public var timeZone: String
        public init(id: String, name: String, timeZone: String) {
            self.id = id
            self.name = name
            self.timeZone = timeZone
        }
    }

    /// A labelled count, e.g. `urgent: 3` or `desert-ris: 5`.
    public struct Count: Codable, Hashable, Sendable {
        public var key: String
        public var count: Int
        public init(key: String, count: Int) {
            self.key = key
            self.count = count
        }
    }

    /// Referrals received on the day, by urgency (`routine`, `urgent`, `surgical_review`,
    /// `untriaged`) and by source (the imaging system, or `direct` when entered by hand).
    public struct NewReferrals: Codable, Hashable, Sendable {
        public var total: Int
        public var byUrgency: [Count]
        public var bySource: [Count]
        public init(total: Int, byUrgency: [Count], bySource: [Count]) {
            self.total = total
            self.byUrgency = byUrgency
            self.bySource = bySource
        }
    }

    /// A cohort funnel: the referrals received in a period and how far each had got by the end of
    /// the report's day.
    public struct Funnel: Codable, Hashable, Sendable {
        public var from: String
        public var to: String
        public var stages: [FunnelStage]
        public init(from: String, to: String, stages: [FunnelStage]) {
            self.from = from
            self.to = to
            self.stages = stages
        }
    }

    /// One step: `received`, `evaluated`, `candidate`, `procedure_booked`, `done`. The conversion
    /// is this count over the previous step's, in percent with one decimal; absent for the first
    /// step and when the previous count is zero.
    public struct FunnelStage: Codable, Hashable, Sendable {
        public var stage: String
        public var count: Int
        public var conversionPercent: Double?
        public init(stage: String, count: Int, conversionPercent: Double?) {
            self.stage = stage
            self.count = count
            self.conversionPercent = conversionPercent
        }
    }

    /// The day's cohort and the rolling 30 days' cohort.
    public struct Funnels: Codable, Hashable, Sendable {
        public var day: Funnel
        public var rolling30Days: Funnel
        public init(day: Funnel, rolling30Days: Funnel) {
            self.day = day
            self.rolling30Days = rolling30Days
        }
    }

    /// Whole days between two events, counted on the clinic's calendar, over the rolling period.
    public struct DurationStats: Codable, Hashable, Sendable {
        /// How many referrals reached the later event within the rolling period.
        public var count: Int
        /// Interpolated (like PostgreSQL's `percentile_cont`); absent when `count` is 0.
        public var medianDays: Double?
        public var p90Days: Double?
        public var distribution: [Bucket]
        public init(count: Int, medianDays: Double?, p90Days: Double?, distribution: [Bucket]) {
            self.count = count
            self.medianDays = medianDays
            self.p90Days = p90Days
            self.distribution = distribution
        }
    }

    /// A histogram bar: durations from `minDays` to `maxDays` inclusive (no upper bound when absent).
    public struct Bucket: Codable, Hashable, Sendable {
        public var label: String
        public var minDays: Int
        public var maxDays: Int?
        public var count: Int
        public init(label: String, minDays: Int, maxDays: Int?, count: Int) {
            self.label = label
            self.minDays = minDays
            self.maxDays = maxDays
            self.count = count
        }
    }

    /// Referral to first evaluation, and first candidacy decision to the procedure done.
    public struct Timings: Codable, Hashable, Sendable {
        public var referralToEvaluation: DurationStats
        public var evaluationToProcedure: DurationStats
        public init(referralToEvaluation: DurationStats, evaluationToProcedure: DurationStats) {
            self.referralToEvaluation = referralToEvaluation
            self.evaluationToProcedure = evaluationToProcedure
        }
    }

    /// A referral that needs someone to act: overdue for evaluation, or its candidacy window closing.
    public struct ReferralAtRisk: Codable, Hashable, Sendable {
        public var referralId: String
        public var patientName: String
        public var mrn: String
        public var urgency: String?
        /// Its status at the end of the report's day.
        public var status: String
        public var receivedOn: String
        /// Days from receipt to the report's day.
        public var ageDays: Int
        public var evaluationDueOn: String?
        /// Days past the evaluation due date (overdue list only).
        public var daysOverdue: Int?
        public var windowClosesOn: String?
        /// Days from the report's day to the window's close (window list only).
        public var daysLeft: Int?
        public var nextAction: String
        public init(
            referralId: String, patientName: String, mrn: String, urgency: String?, status: String, receivedOn: String,
            ageDays: Int, evaluationDueOn: String?, daysOverdue: Int?, windowClosesOn: String?, daysLeft: Int?,
            nextAction: String
        ) {
            self.referralId = referralId
            self.patientName = patientName
            self.mrn = mrn
            self.urgency = urgency
            self.status = status
            self.receivedOn = receivedOn
            self.ageDays = ageDays
            self.evaluationDueOn = evaluationDueOn
            self.daysOverdue = daysOverdue
            self.windowClosesOn = windowClosesOn
            self.daysLeft = daysLeft
            self.nextAction = nextAction
        }
    }

    /// The day after the report's day: every visit in time order.
    public struct DaySheet: Codable, Hashable, Sendable {
        public var date: String
        public var visits: [Visit]
        public init(date: String, visits: [Visit]) {
            self.date = date
            self.visits = visits
        }
    }

    /// One visit on the day sheet. Times are wall-clock `HH:MM` in the clinic's zone.
    public struct Visit: Codable, Hashable, Sendable {
        public var appointmentId: String
        public var referralId: String
        /// `evaluation`, `procedure` or `follow_up`.
        public var kind: String
        public var state: String
        public var starts: String
        public var ends: String
        public var patientName: String
        public var mrn: String
        /// Levels to treat, for a procedure with a candidate evaluation.
        public var levels: [String]
        public var resources: [String]
        /// Readiness items still unmet for a hold or an unconfirmed booking.
        public var openItems: [String]
        public init(
            appointmentId: String, referralId: String, kind: String, state: String, starts: String, ends: String,
            patientName: String, mrn: String, levels: [String], resources: [String], openItems: [String]
        ) {
            self.appointmentId = appointmentId
            self.referralId = referralId
            self.kind = kind
            self.state = state
            self.starts = starts
            self.ends = ends
            self.patientName = patientName
            self.mrn = mrn
            self.levels = levels
            self.resources = resources
            self.openItems = openItems
        }
    }

    /// One room's or clinician's use over the report's day and the 7 days after it.
    public struct ResourceUse: Codable, Hashable, Sendable {
        public var resourceId: String
        public var name: String
        /// `procedure_room`, `consult_room`, `proceduralist`, `evaluator` or `anesthesia`.
        public var kind: String
        public var days: [DayUse]
        public init(resourceId: String, name: String, kind: String, days: [DayUse]) {
            self.resourceId = resourceId
            self.name = name
            self.kind = kind
            self.days = days
        }
    }

    /// Minutes the weekly template offers that day less blocks, minutes booked (live claims,
    /// overbookings included), and their ratio in percent with one decimal (absent when nothing
    /// was available).
    public struct DayUse: Codable, Hashable, Sendable {
        public var date: String
        public var availableMinutes: Int
        public var bookedMinutes: Int
        public var percent: Double?
        public init(date: String, availableMinutes: Int, bookedMinutes: Int, percent: Double?) {
            self.date = date
            self.availableMinutes = availableMinutes
            self.bookedMinutes = bookedMinutes
            self.percent = percent
        }
    }

    /// Visits that were due on the report's day and did not happen: cancelled or no-show.
    public struct Disruptions: Codable, Hashable, Sendable {
        public var cancelled: Int
        public var noShows: Int
        public var visits: [Disruption]
        public init(cancelled: Int, noShows: Int, visits: [Disruption]) {
            self.cancelled = cancelled
            self.noShows = noShows
            self.visits = visits
        }
    }

    /// One cancelled or missed visit.
    public struct Disruption: Codable, Hashable, Sendable {
        public var appointmentId: String
        public var kind: String
        /// `cancelled` or `no_show`.
        public var state: String
        public var starts: String
        public var patientName: String
        public var reason: String?
        public init(
            appointmentId: String, kind: String, state: String, starts: String, patientName: String, reason: String?
        ) {
            self.appointmentId = appointmentId
            self.kind = kind
            self.state = state
            self.starts = starts
            self.patientName = patientName
            self.reason = reason
        }
    }

    /// Candidates waiting for a procedure booking at the end of the day, and who has waited longest.
    public struct WaitlistSummary: Codable, Hashable, Sendable {
        public var length: Int
        public var oldest: WaitlistEntry?
        public init(length: Int, oldest: WaitlistEntry?) {
            self.length = length
            self.oldest = oldest
        }
    }

    /// The longest-waiting candidate: since the day they became one.
    public struct WaitlistEntry: Codable, Hashable, Sendable {
        public var referralId: String
        public var patientName: String
        public var candidateSince: String
        public var waitingDays: Int
        public init(referralId: String, patientName: String, candidateSince: String, waitingDays: Int) {
            self.referralId = referralId
            self.patientName = patientName
            self.candidateSince = candidateSince
            self.waitingDays = waitingDays
        }
    }
}

extension NightlyReport {
    /// The one JSON form: RFC 3339 instants, keys sorted so two runs' output compares byte for byte.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }

    /// The report as that JSON.
    public func json() throws -> Data { try Self.encoder().encode(self) }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
