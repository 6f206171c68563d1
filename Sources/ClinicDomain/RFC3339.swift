import Foundation

/// RFC 3339 date-times as the API and the CLI read them: strictly, with an offset, and within years
/// 0000-9999 both as written and in UTC, so that every instant read can be written back.
///
/// Foundation's own ISO 8601 parser stops at offsets of ±18:00 and accepts years past 290,000,
/// which PostgresNIO's date encoding cannot hold (it stops the process).
public enum RFC3339 {
    /// How the API writes an instant: UTC with milliseconds, e.g. 2026-11-25T16:30:00.000Z.
    public static func format(_ date: Date) -> String {
        // Every instant of every response goes through here: digits by hand from 1970 on,
        // Foundation's formatter before (its calendar turns Julian before 1582, which the
        // proleptic civil-date arithmetic below does not; 1970 keeps the fast path well clear).
        guard date.timeIntervalSince1970 >= 0, date <= Date.storableRange.upperBound else {
            return foundationFormat(date)
        }
        // Like Foundation: whole seconds and the fraction from the stored interval (since 2001),
        // the milliseconds cut, not rounded.
        let stored = date.timeIntervalSinceReferenceDate
        let whole = stored.rounded(.down)
        let millisecond = min(999, Int(((stored - whole) * 1000).rounded(.down)))
        let (days, second) = (Int(whole) + 978_307_200).quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = civil(daysSince1970: days)
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ width: Int, at index: Int) {
            var value = value
            for offset in stride(from: width - 1, through: 0, by: -1) {
                bytes[index + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, 4, at: 0)
        bytes[4] = UInt8(ascii: "-")
        put(month, 2, at: 5)
        bytes[7] = UInt8(ascii: "-")
        put(day, 2, at: 8)
        bytes[10] = UInt8(ascii: "T")
        put(second / 3600, 2, at: 11)
        bytes[13] = UInt8(ascii: ":")
        put(second / 60 % 60, 2, at: 14)
        bytes[16] = UInt8(ascii: ":")
        put(second % 60, 2, at: 17)
        bytes[19] = UInt8(ascii: ".")
        put(millisecond, 3, at: 20)
        bytes[23] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The slow path of `format`, and what the fast path is tested against.
    static func foundationFormat(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (days >= 0), by eras of 400 years.
    static func civil(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, strictly; nil for anything else. Four-digit
    /// years only, so every instant it returns can be stored and bound.
    public static func instant(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var value = 0
            for byte in chars[from..<(from + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard chars.count >= 20, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(chars[10]),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < chars.count, (48...57).contains(chars[index]) {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < chars.count else { return nil }
        var offsetSeconds = 0
        if chars[index] == UInt8(ascii: "Z") || chars[index] == UInt8(ascii: "z") {
            guard index + 1 == chars.count else { return nil }
        } else {
            guard chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-"), index + 6 == chars.count,
                chars[index + 3] == UInt8(ascii: ":"), let hours = number(index + 1, 2),
                let minutes = number(index + 4, 2),
                hours <= 23, minutes <= 59
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (chars[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(
            year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        guard let local = calendar.date(from: components), calendar.component(.day, from: local) == day else {
            return nil
        }
        let instant = local.addingTimeInterval(fraction - Double(offsetSeconds))
        // 9999-12-31T23:59:59-23:59 is in year 10000 in UTC, which the API could not write back.
        guard instant >= earliest, instant <= Date.storableRange.upperBound else { return nil }
        return instant
    }

    /// 0000-01-01T00:00:00Z as the parser computes it (Foundation's Gregorian calendar is Julian
    /// before 1582), the first instant a four-digit year names.
    static let earliest: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar.date(from: DateComponents(year: 0, month: 1, day: 1)) ?? .distantPast
    }()
}

extension Date {
    /// Years 0001 to 9999: the instants any input may name. Outside them PostgresNIO's date
    /// encoding traps, so a value from anywhere but this module's parser is checked against it.
    public static let storableRange: ClosedRange<Date> =
        Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799.999)
}
