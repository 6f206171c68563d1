import ClinicDomain
import ClinicServices
import Foundation

/// Wall-clock arithmetic in a clinic's zone: every instant the seeds make comes from here, so days
/// and hours follow the clinic's calendar across DST changes.
struct LocalCalendar {
    let zone: ClinicTimeZone
    let calendar: Calendar

    init(zone: ClinicTimeZone) {
        self.zone = zone
        calendar = zone.calendar
    }

    /// The instant of a wall-clock minute on a day. A minute a DST change skips (never within
    /// clinic hours in the zones used here) comes out as Foundation resolves it, an hour later.
    func instant(_ day: LocalDate, minute: Int) -> Date {
        let components = DateComponents(
            year: day.year, month: day.month, day: day.day, hour: minute / 60, minute: minute % 60)
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }

    func startOfDay(_ day: LocalDate) -> Date { zone.startOfDay(day) }

    func day(_ instant: Date) -> LocalDate { LocalDate(instant, in: calendar.timeZone) }

    /// The same wall-clock time `days` later (23 or 25 hours for a day across a DST change).
    func adding(days: Int, to instant: Date) -> Date {
        calendar.date(byAdding: .day, value: days, to: instant) ?? instant.addingTimeInterval(Double(days) * 86_400)
    }

    func minute(_ instant: Date) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: instant)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    func isWeekday(_ day: LocalDate) -> Bool {
        let weekday = calendar.component(.weekday, from: instant(day, minute: 12 * 60))  // 1 = Sunday
        return weekday != 1 && weekday != 7
    }

    /// The `count`-th weekday before `day`.
    func weekdays(before day: LocalDate, _ count: Int) -> LocalDate {
        var day = day
        var left = count
        while left > 0 {
            day = day.adding(days: -1)
            if isWeekday(day) { left -= 1 }
        }
        return day
    }

    /// The `count`-th weekday after `day`.
    func weekdays(after day: LocalDate, _ count: Int) -> LocalDate {
        var day = day
        var left = count
        while left > 0 {
            day = day.adding(days: 1)
            if isWeekday(day) { left -= 1 }
        }
        return day
    }
}
