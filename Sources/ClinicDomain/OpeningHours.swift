import Foundation

/// A wall-clock time of day in a clinic's zone, to the minute.
public struct LocalTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let minutesSinceMidnight: Int

    public init(hour: Int, minute: Int) throws {
        guard (0...23).contains(hour), (0...59).contains(minute) else {
            throw ValidationError(pointer: "", message: "must be a time between 00:00 and 23:59")
        }
        minutesSinceMidnight = hour * 60 + minute
    }

    /// The wall-clock time of `instant` in `zone`, to the minute (seconds dropped).
    public init(_ instant: Date, in zone: ClinicTimeZone) {
        let parts = zone.calendar.dateComponents([.hour, .minute], from: instant)
        minutesSinceMidnight = min(max((parts.hour ?? 0) * 60 + (parts.minute ?? 0), 0), 23 * 60 + 59)
    }

    /// Parses `HH:MM`.
    public init(_ text: String) throws {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]) else {
            throw ValidationError(pointer: "", message: "must be a time as HH:MM")
        }
        try self.init(hour: h, minute: m)
    }

    public var description: String {
        let h = minutesSinceMidnight / 60
        let m = minutesSinceMidnight % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool {
        lhs.minutesSinceMidnight < rhs.minutesSinceMidnight
    }
}

/// When a clinic is open on one ISO weekday (1 = Monday ... 7 = Sunday).
public struct OpeningHours: Hashable, Sendable {
    public let weekday: Int
    public let opens: LocalTime
    public let closes: LocalTime

    public init(weekday: Int, opens: LocalTime, closes: LocalTime) throws {
        guard (1...7).contains(weekday) else {
            throw ValidationError(pointer: "/weekday", message: "must be 1 (Monday) to 7 (Sunday)")
        }
        guard opens < closes else {
            throw ValidationError(pointer: "/closes", message: "must be after the opening time")
        }
        self.weekday = weekday
        self.opens = opens
        self.closes = closes
    }
}
