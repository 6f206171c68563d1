import ClinicDomain
import Foundation
import Testing

@Suite("Report arithmetic")
struct ReportArithmeticTests {
    @Test(
        "percentiles interpolate between neighbours like percentile_cont: 0, 2 and 7 days give a median of 2 and a p90 of 6"
    )
    func percentiles() {
        let days = DayDistribution([0: 1, 2: 1, 7: 1])
        #expect(days.total == 3)
        #expect(days.percentile(0.5) == 2)
        #expect(days.percentile(0.9) == 6)
        #expect(DayDistribution([3: 1, 4: 1]).percentile(0.5) == 3.5)
        #expect(DayDistribution([:]).percentile(0.5) == nil)
        #expect(days.count(from: 1, through: 3) == 1 && days.count(from: 0, through: nil) == 3)
    }

    private func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test(
        "on the day Denver springs forward a 01:00-04:00 window offers two hours, and a booking is counted within that 23-hour day"
    )
    func springForward() throws {
        let zone = try ClinicTimeZone("America/Denver")
        let sunday = try LocalDate(iso8601: "2026-03-08")
        let window = try WeeklyWindow(weekday: 7, starts: LocalTime("01:00"), ends: LocalTime("04:00"))
        // 01:00 MST is 08:00Z; 04:00 MDT is 10:00Z.
        let booked = instant("2026-03-08T09:00:00Z")..<instant("2026-03-08T09:30:00Z")
        let day = try #require(
            Utilisation.days([sunday], zone: zone, weekly: [window], blocks: [], booked: [booked]).first)
        #expect(day.availableMinutes == 120 && day.bookedMinutes == 30 && day.percent == 25)
    }

    @Test(
        "a weekday's 07:00-17:00 template less a two-hour block offers 480 minutes; a day with no template has no percentage"
    )
    func blocksAndEmptyDays() throws {
        let zone = try ClinicTimeZone("America/Phoenix")
        let window = try WeeklyWindow(weekday: 2, starts: LocalTime("07:00"), ends: LocalTime("17:00"))
        let tuesday = try LocalDate(iso8601: "2026-11-24")
        // Phoenix is UTC-7 all year: 09:00-11:00 local is 16:00-18:00Z.
        let block = instant("2026-11-24T16:00:00Z")..<instant("2026-11-24T18:00:00Z")
        let procedure = instant("2026-11-24T14:00:00Z")..<instant("2026-11-24T15:15:00Z")
        let days = Utilisation.days(
            [tuesday, tuesday.adding(days: 1)], zone: zone, weekly: [window], blocks: [block],
            booked: [procedure, procedure])
        #expect(days.map(\.availableMinutes) == [480, 0])
        #expect(days.map(\.bookedMinutes) == [75, 0])
        #expect(days[0].percent == 15.6 && days[1].percent == nil)
    }
}
