import Foundation

/// Marker for clinic identifiers.
public enum ClinicTag {}
public typealias ClinicID = Identifier<ClinicTag>

/// A clinic's IANA time zone: "a day", opening hours and due dates are computed in it.
public struct ClinicTimeZone: Hashable, Sendable, CustomStringConvertible {
    public let identifier: String
    public let zone: TimeZone

    public init(_ identifier: String) throws {
        // Abbreviations such as "MST" resolve in Foundation but are not IANA names and are ambiguous.
        guard identifier.contains("/") || identifier == "UTC", let zone = TimeZone(identifier: identifier) else {
            throw ValidationError(pointer: "", message: "must be an IANA time zone such as America/Phoenix")
        }
        self.identifier = identifier
        self.zone = zone
    }

    public var description: String { identifier }

    /// The Gregorian calendar in this zone: what "a day" and wall-clock times are computed with.
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// The instant `date` begins here. Days are 23 or 25 hours long when the clocks change, so
    /// the next day's start is `startOfDay(date.adding(days: 1))`, never 24 hours later.
    public func startOfDay(_ date: LocalDate) -> Date {
        // Every IANA zone has a first instant on every date, so the lookup cannot fail.
        calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
    }

    /// `HH:MM` on this zone's wall clock.
    public func wallClock(_ instant: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: instant)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
}

/// A clinic as the referral pathway needs it: where it is in time.
public struct Clinic: Hashable, Sendable {
    public let id: ClinicID
    public let name: BoundedText
    public let timeZone: ClinicTimeZone
    /// How patients reach it; published with its availability.
    public let contact: ClinicContact

    public init(id: ClinicID, name: BoundedText, timeZone: ClinicTimeZone, contact: ClinicContact = .none) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.contact = contact
    }

    /// The clinic's calendar date at an instant.
    public func today(at now: Date) -> LocalDate { LocalDate(now, in: timeZone.zone) }
}
