import ClinicDomain

/// Dates and times in words for a US reader, from the facts' own calendar fields: the date is
/// already local to the clinic, so no zone or `DateFormatter` is involved.
enum USEnglishCalendar {
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    /// The Gregorian weekday (Sakamoto's method); `LocalDate` has already checked the fields.
    static func weekday(of date: LocalDate) -> String {
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let year = date.month < 3 ? date.year - 1 : date.year
        let index = (year + year / 4 - year / 100 + year / 400 + offsets[date.month - 1] + date.day) % 7
        return weekdays[index]
    }

    static func month(of date: LocalDate) -> String { months[date.month - 1] }

    /// "Tuesday, December 8, 2026".
    static func longDate(_ date: LocalDate) -> String {
        "\(weekday(of: date)), \(month(of: date)) \(date.day), \(date.year)"
    }

    /// "7:00 AM", "12:30 PM", "12:00 AM".
    static func twelveHour(_ time: LocalTime) -> String {
        let hour = time.minutesSinceMidnight / 60
        let minute = time.minutesSinceMidnight % 60
        let clockHour = hour % 12 == 0 ? 12 : hour % 12
        return "\(clockHour):" + (minute < 10 ? "0" : "") + "\(minute) " + (hour < 12 ? "AM" : "PM")
    }

    /// The twelve-hour time, naming midnight and noon: "12:00 AM" alone is the time patients
    /// most often misread.
    static func spoken(_ time: LocalTime) -> String {
        switch time.minutesSinceMidnight {
        case 0: "12:00 AM (midnight)"
        case 12 * 60: "12:00 PM (noon)"
        default: twelveHour(time)
        }
    }
}
