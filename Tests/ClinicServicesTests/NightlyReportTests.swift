import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Synchronization
import Testing

/// A clinic's life replayed through the services on a clock the test moves, so every event,
/// referral and evaluation carries the instant the story says.
final class StoryClock: Sendable {
    private let instant: Mutex<Date>
    let zone: TimeZone

    init(zone: String) {
        self.zone = TimeZone(identifier: zone)!
        instant = Mutex(Date(timeIntervalSince1970: 0))
    }

    var now: Date { instant.withLock { $0 } }

    /// Moves the clock to a wall-clock time in the clinic's zone, `YYYY-MM-DD HH:MM`.
    @discardableResult
    func set(_ local: String) -> Date {
        let date = at(local)
        instant.withLock { $0 = date }
        return date
    }

    func at(_ local: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: local)!
    }

    /// The operator acting now, stamped with the story's time.
    var actor: Actor { Actor(principal: .commandLine("report-story"), requestID: nil, at: now) }
}

/// Builds the crafted data set the report tests compute by hand.
struct ReportStory {
    let services: APIServices
    let clock: StoryClock
    let clinic: Clinic

    /// An MRI with an acute L1 wedge fracture (30% height loss, STIR edema) and the referral made from it.
    func refer(
        _ given: String, _ family: String, mrn: String, at local: String, onset: String? = nil,
        retropulsion: Bool = false
    ) async throws -> ReferralID {
        clock.set(local)
        let imaging = try await services.imaging.submit(
            ImagingResultDraft(
                clinicID: clinic.id.description, sourceSystem: "valley-ris", accessionNumber: "MR-\(mrn)",
                status: .final, modality: .mri,
                performedAt: clock.now.addingTimeInterval(-3600),
                patient: .init(mrn: mrn, givenName: given, familyName: family, birthDate: "1958-03-14", sex: .female),
                impression: "Acute L1 wedge compression fracture, 30% height loss, STIR edema.",
                findings: [
                    .init(
                        level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present,
                        retropulsion: retropulsion)
                ]),
            actor: clock.actor)
        var draft = ReferralDraft(
            clinicID: nil, patient: nil, referringClinicianName: "Dr. Samuel Ortiz", referringClinicianNPI: nil,
            reason: "Painful L1 wedge fracture; NRS 7 despite bracing.", symptomOnset: onset)
        draft.imagingResultIDs = [imaging.result.id.description]
        return try await services.referrals.create(draft, idempotencyKey: nil, actor: clock.actor).referral.id
    }

    /// The outpatient vignette (NRS 6, 5 weeks of bracing, kyphosis): a candidate under the default rules.
    func evaluate(_ referral: ReferralID, at local: String, outcome: EvaluationOutcome = .candidate) async throws {
        clock.set(local)
        let findings = EvaluationFindings(
            painNRS: 6, hospitalised: false, painWorsening: false, furtherHeightLoss: false, kyphoticDeformity: true,
            rolandMorris: 12, painFromTargetFracture: true, conservativeCare: ConservativeCare(bracing: true, weeks: 5),
            contraindications: .noneFound, boneDensityReferral: true, osteoporosisEducation: true, myeloma: false,
            levels: [try VertebralLevel("L1")], anticoagulant: .none, inr: 1.0, platelets: 220)
        _ = try await services.evaluations.record(
            referralID: referral, findings: findings,
            decision: EvaluationDecisionDraft(outcome: outcome, reason: nil, reevaluateOn: nil),
            actor: clock.actor)
    }

    /// Books a visit starting at `start` (local), acting at `local`.
    func book(_ referral: ReferralID, _ kind: VisitKind, start: String, at local: String) async throws -> AppointmentID
    {
        clock.set(local)
        return try await services.scheduling.book(
            referralID: referral, kind: kind, start: clock.at(start), resourceIDs: nil,
            idempotencyKey: nil, actor: clock.actor
        ).0.id
    }
}

@Suite("Nightly report")
struct NightlyReportTests {
    /// Denver moves its clocks forward at 02:00 on Sunday 2026-03-08; the report is for Tuesday
    /// 2026-03-10, whose midnight is 06:00 UTC, not 07:00 as the week before. Its rolling 30 days
    /// run from 2026-02-09. Seven patients:
    /// - Ellis: referred 01-05 (window closes 03-20 from a 12-26 onset), candidate 01-07: outside the period, still waiting.
    /// - Duarte: referred 02-10, never evaluated: due 02-24, overdue 14 days.
    /// - Foster: referred 02-16, evaluation booked for 03-10 09:00 then cancelled on 03-09: due 03-02, overdue 8 days.
    /// - Abbott: referred 02-27, candidate 03-06 (7 days), procedure 03-10 08:00 done (4 days after candidacy).
    /// - Green: referred 03-02, evaluation 03-10 11:00 missed (no-show), rebooked 03-11 09:00.
    /// - Brooks: referred Saturday 03-07 (MST), candidate Monday 03-09 (MDT): 2 days across the change; booked only on 03-11.
    /// - Cruz: referred 03-10 at 00:30 (already 03-10 only because of the new offset), candidate the same afternoon.
    static func story(_ db: TestDatabase) async throws -> (ReportStory, [String: ReferralID]) {
        let fixtures = Fixtures(db)
        let clock = StoryClock(zone: "America/Denver")
        clock.set("2026-01-02 08:00")
        let (clinic, _) = try await fixtures.schedulableClinic(timeZone: "America/Denver")
        let story = ReportStory(services: try fixtures.services(now: { clock.now }), clock: clock, clinic: clinic)
        var ids: [String: ReferralID] = [:]
        ids["ellis"] = try await story.refer("Joan", "Ellis", mrn: "DEN-1", at: "2026-01-05 10:00", onset: "2025-12-26")
        try await story.evaluate(ids["ellis"]!, at: "2026-01-07 10:00")
        ids["duarte"] = try await story.refer("Luis", "Duarte", mrn: "DEN-2", at: "2026-02-10 09:00")
        ids["foster"] = try await story.refer("Ann", "Foster", mrn: "DEN-3", at: "2026-02-16 09:00")
        ids["abbott"] = try await story.refer("Ruth", "Abbott", mrn: "DEN-4", at: "2026-02-27 10:00")
        ids["green"] = try await story.refer("Tom", "Green", mrn: "DEN-5", at: "2026-03-02 09:00")
        let fosterVisit = try await story.book(
            ids["foster"]!, .evaluation, start: "2026-03-10 09:00", at: "2026-03-02 10:00")
        let greenVisit = try await story.book(
            ids["green"]!, .evaluation, start: "2026-03-10 11:00", at: "2026-03-02 10:30")
        try await story.evaluate(ids["abbott"]!, at: "2026-03-06 10:00")
        ids["brooks"] = try await story.refer("Ida", "Brooks", mrn: "DEN-6", at: "2026-03-07 09:00")
        let abbottProcedure = try await story.book(
            ids["abbott"]!, .procedure, start: "2026-03-10 08:00", at: "2026-03-06 11:00")
        try await story.evaluate(ids["brooks"]!, at: "2026-03-09 09:00")
        story.clock.set("2026-03-09 15:00")
        _ = try await story.services.scheduling.cancel(
            appointmentID: fosterVisit, reason: "Patient unwell, asked to rebook", actor: clock.actor)
        ids["cruz"] = try await story.refer("Rosa", "Cruz", mrn: "DEN-7", at: "2026-03-10 00:30")
        clock.set("2026-03-10 09:30")
        _ = try await story.services.scheduling.complete(appointmentID: abbottProcedure, actor: clock.actor)
        clock.set("2026-03-10 11:30")
        _ = try await story.services.scheduling.noShow(appointmentID: greenVisit, actor: clock.actor)
        _ = try await story.book(ids["green"]!, .evaluation, start: "2026-03-11 09:00", at: "2026-03-10 12:00")
        try await story.evaluate(ids["cruz"]!, at: "2026-03-10 15:00")
        // The next day: changes after the report's day must not change its history.
        _ = try await story.book(ids["brooks"]!, .procedure, start: "2026-03-12 08:00", at: "2026-03-11 10:00")
        clock.set("2026-03-11 13:00")
        return (story, ids)
    }

    @Test(
        "a Denver day after the clocks change: new referrals, funnels, timings, at-risk lists, day sheet, use, disruptions and waitlist are the hand-computed ones"
    )
    func figuresAcrossDaylightSaving() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let (story, ids) = try await Self.story(db)
            let report = try await story.services.reports.nightly(
                clinicID: story.clinic.id, day: .on(try LocalDate(iso8601: "2026-03-10")),
                actor: story.clock.actor
            ).report

            #expect(report.date == "2026-03-10" && report.rollingFrom == "2026-02-09")
            #expect(report.newReferrals.total == 1)
            #expect(report.newReferrals.bySource == [.init(key: "valley-ris", count: 1)])
            #expect(report.newReferrals.byUrgency.map(\.count).reduce(0, +) == 1)

            let day = report.funnel.day.stages.map { ($0.stage, $0.count, $0.conversionPercent) }
            #expect(day.map(\.0) == ["received", "evaluated", "candidate", "procedure_booked", "done"])
            #expect(day.map(\.1) == [1, 1, 1, 0, 0])
            #expect(day.map(\.2) == [nil, 100, 100, 0, nil])
            let rolling = report.funnel.rolling30Days.stages
            #expect(rolling.map(\.count) == [6, 3, 3, 1, 1])
            #expect(rolling.map(\.conversionPercent) == [nil, 50, 100, 33.3, 100])

            // First evaluations in the period: Cruz 0 days, Brooks 2 (across the change), Abbott 7.
            let toEvaluation = report.timings.referralToEvaluation
            #expect(toEvaluation.count == 3 && toEvaluation.medianDays == 2 && toEvaluation.p90Days == 6)
            #expect(toEvaluation.distribution.map(\.count) == [1, 1, 1, 0, 0, 0])
            let toProcedure = report.timings.evaluationToProcedure
            #expect(toProcedure.count == 1 && toProcedure.medianDays == 4 && toProcedure.p90Days == 4)

            #expect(report.overdue.map(\.patientName) == ["Duarte, Luis", "Foster, Ann"])
            #expect(report.overdue.map(\.daysOverdue) == [14, 8])
            #expect(report.overdue.map(\.ageDays) == [28, 22])
            #expect(report.overdue.map(\.nextAction) == ["Book an evaluation", "Book an evaluation"])
            #expect(report.windowClosing.map(\.referralId) == [ids["ellis"]!.description])
            #expect(report.windowClosing.first?.daysLeft == 10)
            #expect(report.windowClosing.first?.nextAction == "Book the procedure")

            #expect(report.tomorrow.date == "2026-03-11")
            #expect(
                report.tomorrow.visits.map { [$0.patientName, $0.kind, $0.starts, $0.ends] } == [
                    ["Green, Tom", "evaluation", "09:00", "09:45"]
                ])

            let room = try #require(report.utilisation.first { $0.kind == "procedure_room" })
            #expect(room.days.map(\.date).first == "2026-03-10" && room.days.count == 8)
            #expect(room.days.map(\.availableMinutes) == [600, 600, 600, 600, 0, 0, 600, 600])
            #expect(room.days.map(\.bookedMinutes) == [75, 0, 75, 0, 0, 0, 0, 0])
            #expect(room.days.map(\.percent) == [12.5, 0, 12.5, 0, nil, nil, 0, 0])
            let consult = try #require(report.utilisation.first { $0.kind == "consult_room" })
            #expect(consult.days.prefix(2).map(\.bookedMinutes) == [0, 45])
            #expect(consult.days[1].percent == 7.5)

            #expect(report.disruptions.cancelled == 1 && report.disruptions.noShows == 1)
            #expect(
                report.disruptions.visits.map { [$0.patientName, $0.state, $0.starts] } == [
                    ["Foster, Ann", "cancelled", "09:00"], ["Green, Tom", "no_show", "11:00"],
                ])
            #expect(report.disruptions.visits.first?.reason == "Patient unwell, asked to rebook")

            // Brooks was booked only on 03-11: at the end of 03-10 she still waited.
            #expect(report.waitlist.length == 3)
            #expect(
                report.waitlist.oldest?.referralId == ids["ellis"]!.description
                    && report.waitlist.oldest?.waitingDays == 62)
        }
    }

    @Test(
        "the Saturday before the change: its history as it stood that night, and a week of use that spans the 23-hour Sunday"
    )
    func saturdayBeforeTheChange() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let (story, ids) = try await Self.story(db)
            let report = try await story.services.reports.nightly(
                clinicID: nil, day: .on(try LocalDate(iso8601: "2026-03-07")), actor: story.clock.actor
            ).report

            // Brooks arrived that day; of the 30 days' five arrivals only Abbott had been evaluated.
            #expect(report.rollingFrom == "2026-02-06")
            #expect(report.funnel.day.stages.map(\.count) == [1, 0, 0, 0, 0])
            #expect(report.funnel.rolling30Days.stages.map(\.count) == [5, 1, 1, 1, 0])
            #expect(report.funnel.rolling30Days.stages.map(\.conversionPercent) == [nil, 20, 100, 100, 0])
            #expect(
                report.timings.referralToEvaluation.count == 1 && report.timings.referralToEvaluation.medianDays == 7)
            #expect(
                report.timings.evaluationToProcedure.count == 0
                    && report.timings.evaluationToProcedure.medianDays == nil)

            // Foster's evaluation was still booked that night (cancelled only on the 9th), and is gone now.
            #expect(report.overdue.map(\.patientName) == ["Duarte, Luis", "Foster, Ann"])
            #expect(report.overdue.map(\.daysOverdue) == [11, 5] && report.overdue.map(\.ageDays) == [25, 19])
            #expect(report.overdue.map(\.status) == ["triaged", "evaluation_scheduled"])
            #expect(report.overdue.map(\.nextAction) == ["Book an evaluation", "Rebook the evaluation"])

            let room = try #require(report.utilisation.first { $0.kind == "procedure_room" })
            #expect(
                room.days.map(\.date) == [
                    "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13",
                    "2026-03-14",
                ])
            #expect(room.days.map(\.availableMinutes) == [0, 0, 600, 600, 600, 600, 600, 0])
            #expect(room.days.map(\.bookedMinutes) == [0, 0, 0, 75, 0, 75, 0, 0])

            #expect(
                report.waitlist.length == 1 && report.waitlist.oldest?.referralId == ids["ellis"]!.description
                    && report.waitlist.oldest?.waitingDays == 59)
            #expect(report.tomorrow.date == "2026-03-08" && report.tomorrow.visits.isEmpty)
        }
    }

    @Test("a red-flag referral left in surgical review is overdue, with the review to chase")
    func surgicalReviewIsOverdue() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let fixtures = Fixtures(db)
            let clock = StoryClock(zone: "America/Denver")
            clock.set("2026-03-01 08:00")
            let (clinic, _) = try await fixtures.schedulableClinic(timeZone: "America/Denver")
            let story = ReportStory(services: try fixtures.services(now: { clock.now }), clock: clock, clinic: clinic)
            let id = try await story.refer("Rosa", "Delgado", mrn: "DEN-9", at: "2026-03-02 09:00", retropulsion: true)
            clock.set("2026-03-11 08:00")
            let report = try await story.services.reports.nightly(
                clinicID: nil, day: .on(try LocalDate(iso8601: "2026-03-10")), actor: clock.actor
            ).report
            let row = try #require(report.overdue.first)
            #expect(report.overdue.count == 1 && row.referralId == id.description && row.status == "surgical_review")
            #expect(row.nextAction == "Chase the surgical review: close it or return it to the pathway")
            #expect(report.windowClosing.isEmpty)
        }
    }

    @Test("a finished day is recorded once: asking again gives the same report, byte for byte, from the record")
    func recordedOnce() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let (story, _) = try await Self.story(db)
            let first = try await story.services.reports.nightly(
                clinicID: nil, day: .on(try LocalDate(iso8601: "2026-03-10")), actor: story.clock.actor)
            story.clock.set("2026-03-12 09:00")
            let second = try await story.services.reports.nightly(
                clinicID: nil, day: .on(try LocalDate(iso8601: "2026-03-10")), actor: story.clock.actor)
            #expect(!first.reused && second.reused)
            #expect(try first.report.json() == second.report.json())
            #expect(try await db.count("report_runs") == 1)
        }
    }

    @Test("ten runs started at once for the same day leave one record and all show the same numbers")
    func concurrentRunsOneRecord() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let (story, _) = try await Self.story(db)
            let reports = try await withThrowingTaskGroup(of: NightlyReport.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await story.services.reports.nightly(
                            clinicID: nil, day: .on(try LocalDate(iso8601: "2026-03-10")), actor: story.clock.actor
                        ).report
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(reports).count == 1)
            #expect(try await db.count("report_runs") == 1)
            let requests = try await db.query("SELECT requests FROM report_runs").first?.decode(Int.self)
            #expect(requests == 10)
        }
    }

    @Test("today's report is computed each time and not recorded; a day after today is refused")
    func todayIsNotRecorded() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let (story, _) = try await Self.story(db)
            let today = try await story.services.reports.nightly(clinicID: nil, day: .today, actor: story.clock.actor)
            #expect(today.report.date == "2026-03-11" && !today.reused)
            #expect(try await db.count("report_runs") == 0)
            await #expect(
                throws: ServiceError.invalid("/date", "is after today (2026-03-11) in the clinic's time zone")
            ) {
                try await story.services.reports.nightly(
                    clinicID: nil, day: .on(try LocalDate(iso8601: "2026-03-12")), actor: story.clock.actor)
            }
            let yesterday = try await story.services.reports.nightly(
                clinicID: nil, day: .yesterday, actor: story.clock.actor)
            #expect(yesterday.report.date == "2026-03-10")
        }
    }
}

@Suite("Nightly report: a referral's source")
struct ReportSourceTests {
    @Test(
        "of two studies performed at the same moment, the source is the system whose result arrived first, whatever their ids"
    )
    func sourceIsTheFirstReceived() async throws {
        try await withTestDatabase { db in
            let clinic = try await Fixtures(db).clinic()
            let services = try Fixtures(db).services()
            let performed = Date().addingTimeInterval(-3 * 86_400)
            // Eight referrals, each from two results performed at one instant: ids are random, so
            // ordering by id would name the later system about half the time.
            for index in 0..<8 {
                let patient = ReferralDraft.PatientDraft(
                    mrn: "SRC-\(index)", givenName: "Eleanor", familyName: "Whitfield",
                    birthDate: "1958-03-14", sex: .female)
                var ids: [String] = []
                for source in ["first-ris", "second-pacs"] {
                    let result = try await services.imaging.submit(
                        ImagingResultDraft(
                            clinicID: clinic.id.description, sourceSystem: source,
                            accessionNumber: "\(source)-\(index)", status: .final,
                            modality: .mri, performedAt: performed, patient: patient,
                            impression: "Acute L1 wedge compression fracture, 30% height loss, STIR edema.",
                            findings: [.init(level: "L1", heightLossPercent: 30, morphology: .wedge, edema: .present)]),
                        actor: Fixtures.operator_)
                    ids.append(result.result.id.description)
                    try await Task.sleep(for: .milliseconds(5))
                }
                _ = try await services.referrals.create(
                    ReferralDraft(
                        clinicID: nil, patient: nil, referringClinicianName: "Dr. Samuel Ortiz",
                        referringClinicianNPI: nil,
                        reason: "Painful L1 fracture", symptomOnset: nil, imagingResultIDs: ids.reversed()),
                    idempotencyKey: nil, actor: Fixtures.operator_)
            }
            let report = try await services.reports.nightly(clinicID: clinic.id, day: .today, actor: Fixtures.operator_)
                .report
            #expect(report.newReferrals.total == 8)
            #expect(report.newReferrals.bySource.map(\.key) == ["first-ris"])
        }
    }
}
