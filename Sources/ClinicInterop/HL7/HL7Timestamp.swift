import Foundation

/// Reading HL7 dates and times (DT, and TS/DTM: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`).
enum HL7Timestamp {
    /// The instant a TS/DTM names, at least to the day: a date alone is midnight. Without an
    /// offset the time is read in `zone`. Nil when it is not a real date and time.
    static func instant(_ text: String, zone: TimeZone) -> Date? {
        let bytes = Array(text.utf8)
        var digits: [Int] = []
        var index = 0
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            digits.append(digit)
            index += 1
        }
        guard [8, 10, 12, 14].contains(digits.count) else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: "."), digits.count == 14 {
            index += 1
            var scale = 0.1
            var count = 0
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                fraction += Double(digit) * scale
                scale /= 10
                count += 1
                index += 1
            }
            guard (1...4).contains(count) else { return nil }
        }
        var offset: Int?
        if index < bytes.count {
            let sign = bytes[index]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), bytes.count - index == 5 else { return nil }
            let parts = bytes[(index + 1)...].compactMap(digitValue)
            guard parts.count == 4 else { return nil }
            let hours = parts[0] * 10 + parts[1]
            let minutes = parts[2] * 10 + parts[3]
            guard hours <= 14, minutes < 60 else { return nil }
            offset = (sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        func number(_ start: Int, _ length: Int) -> Int {
            guard digits.count >= start + length else { return 0 }
            return digits[start..<(start + length)].reduce(0) { $0 * 10 + $1 }
        }
        let year = number(0, 4)
        let month = number(4, 2)
        let day = number(6, 2)
        let hour = number(8, 2)
        let minute = number(10, 2)
        let second = number(12, 2)
        guard isDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        if let offset {
            guard let fixed = TimeZone(secondsFromGMT: offset) else { return nil }
            calendar.timeZone = fixed
        } else {
            calendar.timeZone = zone
        }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components).map { $0.addingTimeInterval(fraction) }
    }

    /// "YYYY-MM-DD" from a DT or TS that gives at least the day (any time after it is ignored);
    /// nil when it does not start with a real date.
    static func calendarDate(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8 else { return nil }
        let digits = bytes.prefix(8).compactMap(digitValue)
        guard digits.count == 8 else { return nil }
        let allowedAfter = Set("0123456789.+-".utf8)
        guard bytes.dropFirst(8).allSatisfy(allowedAfter.contains) else { return nil }
        let year = digits[0..<4].reduce(0) { $0 * 10 + $1 }
        let month = digits[4] * 10 + digits[5]
        let day = digits[6] * 10 + digits[7]
        guard isDate(year: year, month: month, day: day) else { return nil }
        let text = String(decoding: bytes.prefix(8), as: UTF8.self)
        return "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.dropFirst(6))"
    }

    /// Years before 1800 are refused outright: no imaging or living patient is that old, and
    /// far-off instants break storage downstream.
    static func isDate(year: Int, month: Int, day: Int) -> Bool {
        guard year >= 1800, (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
