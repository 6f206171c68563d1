import Foundation

/// A calendar date with no time or zone (a birth date, a due date in a clinic's zone), as `YYYY-MM-DD`.
public struct LocalDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
            LocalDate.exists(year: year, month: month, day: day)
        else { throw ValidationError(pointer: "", message: "is not a valid calendar date") }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly.
    public init(iso8601 text: String) throws {
        // Every stored date is parsed on every read: the ten bytes by hand, not by splitting.
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10)
        else { throw ValidationError(pointer: "", message: "must be a date as YYYY-MM-DD") }
        try self.init(year: year, month: month, day: day)
    }

    /// The date an instant falls on in a given zone.
    public init(_ instant: Date, in zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    public var description: String {
        // Every stored date is printed on every read: digits by hand, not `String(format:)`.
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// Whether the day exists in that month. Since the Gregorian reform (1583 on) by the leap-year
    /// rule; earlier dates ask Foundation's calendar, which is Julian there, as it always did.
    private static func exists(year: Int, month: Int, day: Int) -> Bool {
        guard year < 1583 else {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return day <= lengths[month - 1]
        }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        return utcCalendar.date(from: components).map({ utcCalendar.component(.day, from: $0) == day }) == true
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The date `days` later (earlier when negative), across month and year ends.
    public func adding(days: Int) -> LocalDate {
        let start = LocalDate.utcCalendar.date(from: DateComponents(year: year, month: month, day: day))!
        let moved = LocalDate.utcCalendar.date(byAdding: .day, value: days, to: start)!
        return LocalDate(moved, in: TimeZone(identifier: "UTC")!)
    }

    /// Whole days from `earlier` to this date: negative when `earlier` is later.
    public func days(since earlier: LocalDate) -> Int {
        let from = LocalDate.utcCalendar.date(
            from: DateComponents(year: earlier.year, month: earlier.month, day: earlier.day))!
        let to = LocalDate.utcCalendar.date(from: DateComponents(year: year, month: month, day: day))!
        return LocalDate.utcCalendar.dateComponents([.day], from: from, to: to).day ?? 0
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
