import ClinicDomain
import Foundation

/// FHIR `instant`, `dateTime` and `date` text for a `Date`, always with seconds.
///
/// Written by hand rather than with `ISO8601DateFormatter`: FHIR wants the seconds even when
/// they are zero and a `+hh:mm` offset (never `+hhmm`), and SMART Scheduling Links wants the
/// clinic's own offset on slot times so that a reader sees the local wall clock.
public enum FHIRInstant {
    /// UTC with a `Z`, e.g. `2026-03-10T15:00:00Z`.
    public static func utc(_ date: Date) -> String {
        format(date, offsetSeconds: 0)
    }

    /// The wall clock of `zone` at that instant with its offset, e.g. `2026-03-10T08:00:00-07:00`.
    /// A zone at UTC is written `+00:00`, so the text always shows that it is a local time.
    public static func local(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        return format(date, offsetSeconds: offset, forceNumericOffset: true)
    }

    /// A FHIR `date`: `YYYY-MM-DD`.
    public static func date(_ date: LocalDate) -> String { date.description }

    private static func format(_ date: Date, offsetSeconds: Int, forceNumericOffset: Bool = false) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offsetSeconds) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        // Whole seconds toward the past, so 08:59:59.9 never prints as 09:00:00.
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
        var text = pad(c.year ?? 0, 4) + "-" + pad(c.month ?? 1, 2) + "-" + pad(c.day ?? 1, 2)
        text += "T" + pad(c.hour ?? 0, 2) + ":" + pad(c.minute ?? 0, 2) + ":" + pad(c.second ?? 0, 2)
        if offsetSeconds == 0 && !forceNumericOffset { return text + "Z" }
        let minutes = abs(offsetSeconds) / 60
        return text + (offsetSeconds < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
