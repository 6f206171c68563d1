import ClinicDomain
import Foundation
import Testing

/// Availability from hours, templates, blocks and bookings, across DST changes.
@Suite("Availability search")
struct AvailabilityTests {
    static let room = ResourceID.random()
    static let room2 = ResourceID.random()
    static let doctor = ResourceID.random()

    static func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func weekdays(_ opens: String = "07:00", _ closes: String = "17:00", days: ClosedRange<Int> = 1...5)
        -> [OpeningHours]
    {
        days.map { try! OpeningHours(weekday: $0, opens: LocalTime(opens), closes: LocalTime(closes)) }
    }

    static func resource(
        _ id: ResourceID, _ kind: ResourceKind, days: ClosedRange<Int> = 1...7, from: String = "00:00",
        to: String = "23:59", busy: [Range<Date>] = []
    ) -> ResourceCalendar {
        ResourceCalendar(
            id: id, kind: kind,
            weekly: days.map { try! WeeklyWindow(weekday: $0, starts: LocalTime(from), ends: LocalTime(to)) },
            busy: busy)
    }

    static let procedure = VisitRequirement(kinds: [.procedureRoom, .proceduralist], minutes: 60, afterMinutes: 90)

    static func search(
        _ zone: String, hours: [OpeningHours] = weekdays(), resources: [ResourceCalendar]? = nil,
        requirement: VisitRequirement = procedure, from: String, to: String, limit: Int = 100, step: Int = 15
    ) -> [AvailableSlot] {
        Availability.search(
            zone: try! ClinicTimeZone(zone), hours: hours,
            resources: resources ?? [resource(room, .procedureRoom), resource(doctor, .proceduralist)],
            requirement: requirement, from: instant(from), to: instant(to), limit: limit, stepMinutes: step)
    }

    @Test("an ordinary day in Phoenix (no DST): 07:00 is 14:00 UTC, the first slot")
    func phoenixOrdinaryDay() {
        let slots = Self.search("America/Phoenix", from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z", limit: 1)
        #expect(slots.first?.start == Self.instant("2026-12-01T14:00:00Z"))
        #expect(slots.first?.resources == [Self.room, Self.doctor])
    }

    @Test("Denver across spring-forward: 07:00 is 14:00 UTC on Friday and 13:00 UTC on Monday")
    func denverSpringForwardWeek() {
        let friday = Self.search("America/Denver", from: "2027-03-12T00:00:00Z", to: "2027-03-13T00:00:00Z", limit: 1)
        let monday = Self.search("America/Denver", from: "2027-03-15T00:00:00Z", to: "2027-03-16T00:00:00Z", limit: 1)
        #expect(friday.first?.start == Self.instant("2027-03-12T14:00:00Z"))
        #expect(monday.first?.start == Self.instant("2027-03-15T13:00:00Z"))
    }

    @Test("Denver, the spring-forward night itself: 02:00 does not exist and is never offered")
    func denverSkippedHour() {
        let night = [try! OpeningHours(weekday: 7, opens: LocalTime("00:00"), closes: LocalTime("06:00"))]
        let visit = VisitRequirement(kinds: [.consultRoom], minutes: 60)
        let slots = Self.search(
            "America/Denver", hours: night, resources: [Self.resource(Self.room, .consultRoom)],
            requirement: visit, from: "2027-03-14T06:00:00Z", to: "2027-03-14T13:00:00Z", step: 60)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Denver")!
        #expect(slots.map { calendar.component(.hour, from: $0.start) } == [0, 1, 3, 4, 5])
    }

    @Test("Denver across fall-back: Monday 07:00 is 14:00 UTC again")
    func denverFallBack() {
        let friday = Self.search("America/Denver", from: "2026-10-30T00:00:00Z", to: "2026-10-31T00:00:00Z", limit: 1)
        let monday = Self.search("America/Denver", from: "2026-11-02T00:00:00Z", to: "2026-11-03T00:00:00Z", limit: 1)
        #expect(friday.first?.start == Self.instant("2026-10-30T13:00:00Z"))
        #expect(monday.first?.start == Self.instant("2026-11-02T14:00:00Z"))
    }

    @Test(
        "the stay plus recovery must end by closing: a 60-minute procedure with 90 minutes of recovery starts by 14:30")
    func closeTimeCutoff() {
        let slots = Self.search("America/Phoenix", from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z")
        // 17:00 close - 90 - 60 = 14:30 local = 21:30 UTC.
        #expect(slots.last?.start == Self.instant("2026-12-01T21:30:00Z"))
    }

    @Test("three levels that do not fit before close offer nothing that day")
    func threeLevelsDoNotFit() {
        let threeLevels = VisitRequirement(
            kinds: [.procedureRoom, .proceduralist], minutes: 3 * 60 + 15, afterMinutes: 90)
        let slots = Self.search(
            "America/Phoenix", hours: Self.weekdays("07:00", "11:00"), requirement: threeLevels,
            from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z")
        #expect(slots.isEmpty)
    }

    @Test("a block or booking on the room skips its time; a second room fills in")
    func busyResources() {
        let busy = [Self.instant("2026-12-01T14:00:00Z")..<Self.instant("2026-12-01T16:00:00Z")]
        let oneRoom = Self.search(
            "America/Phoenix",
            resources: [
                Self.resource(Self.room, .procedureRoom, busy: busy),
                Self.resource(Self.doctor, .proceduralist),
            ],
            from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z", limit: 1)
        #expect(oneRoom.first?.start == Self.instant("2026-12-01T16:00:00Z"))
        let twoRooms = Self.search(
            "America/Phoenix",
            resources: [
                Self.resource(Self.room, .procedureRoom, busy: busy),
                Self.resource(Self.room2, .procedureRoom),
                Self.resource(Self.doctor, .proceduralist),
            ],
            from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z", limit: 1)
        #expect(twoRooms.first?.start == Self.instant("2026-12-01T14:00:00Z"))
        #expect(twoRooms.first?.resources == [Self.room2, Self.doctor])
    }

    @Test("a proceduralist who works Tuesdays only: nothing on Monday, the first slot on Tuesday")
    func templates() {
        let slots = Self.search(
            "America/Phoenix",
            resources: [
                Self.resource(Self.room, .procedureRoom),
                Self.resource(Self.doctor, .proceduralist, days: 2...2, from: "09:00", to: "13:00"),
            ],
            from: "2026-11-30T00:00:00Z", to: "2026-12-02T00:00:00Z", limit: 1)
        #expect(slots.first?.start == Self.instant("2026-12-01T16:00:00Z"))
    }

    @Test("general anesthesia needs a provider: without one nothing is offered")
    func anesthesiaNeeded() {
        let general = VisitRequirement(
            kinds: [.procedureRoom, .proceduralist, .anesthesia], minutes: 60, afterMinutes: 90)
        #expect(
            Self.search(
                "America/Phoenix", requirement: general, from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z"
            ).isEmpty)
    }
}
