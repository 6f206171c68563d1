import ClinicDomain
import Foundation

/// The ids this server gives FHIR resources that have no row of their own (schedules, slots),
/// and the FHIR `id` rule every id must meet.
public enum FHIRIDs {
    /// FHIR R4 `id`: 1 to 64 characters from `A-Z a-z 0-9 - .`.
    public static func isValid(_ id: String) -> Bool {
        let bytes = id.utf8
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                true
            default: false
            }
        }
    }

    /// A clinic's schedule for one visit kind: `<clinic uuid, lowercase>-evaluation`, `-procedure`
    /// or `-follow-up` (FHIR ids have no underscore, so follow-up is spelled with a hyphen).
    public static func schedule(clinicID: ClinicID, kind: VisitKind) -> String {
        clinicID.description + "-" + scheduleSuffix(kind)
    }

    /// The clinic and visit kind a schedule id names; nil for anything `schedule(clinicID:kind:)` does not make.
    public static func parseSchedule(_ id: String) -> (ClinicID, VisitKind)? {
        // A UUID's text is 36 ASCII characters; the suffix follows its hyphen.
        let bytes = Array(id.utf8)
        guard bytes.count > 37, bytes[36] == UInt8(ascii: "-") else { return nil }
        let uuidText = String(decoding: bytes[0..<36], as: UTF8.self)
        let suffix = String(decoding: bytes[37...], as: UTF8.self)
        // Only the lowercase form we write, so one schedule never has two ids.
        guard uuidText == uuidText.lowercased(), let clinicID = ClinicID(string: uuidText),
            let kind = VisitKind.allCases.first(where: { scheduleSuffix($0) == suffix })
        else { return nil }
        return (clinicID, kind)
    }

    /// A slot: its schedule id, a hyphen and its start in UTC as `yyyyMMddHHmm`.
    ///
    /// Nil when the result would not be a FHIR id (a schedule id over 51 characters, or a start
    /// outside years 0001-9999), so a caller can never publish an id a client will refuse.
    public static func slot(scheduleID: String, start: Date) -> String? {
        guard isValid(scheduleID), Date.storableRange.contains(start) else { return nil }
        let id = scheduleID + "-" + utcMinute(start)
        return isValid(id) ? id : nil
    }

    /// The schedule id and start (to the minute, UTC) a slot id names; nil for anything else.
    public static func parseSlot(_ id: String) -> (scheduleID: String, start: Date)? {
        let bytes = Array(id.utf8)
        guard isValid(id), bytes.count > 13, bytes[bytes.count - 13] == UInt8(ascii: "-") else { return nil }
        let digits = bytes[(bytes.count - 12)...]
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let text = String(decoding: digits, as: UTF8.self)
        func number(_ from: Int, _ count: Int) -> Int {
            let start = text.index(text.startIndex, offsetBy: from)
            return Int(text[start..<text.index(start, offsetBy: count)]) ?? -1
        }
        let components = DateComponents(
            year: number(0, 4), month: number(4, 2), day: number(6, 2), hour: number(8, 2), minute: number(10, 2))
        guard let start = utcCalendar.date(from: components), utcMinute(start) == text else { return nil }
        return (String(decoding: bytes[..<(bytes.count - 13)], as: UTF8.self), start)
    }

    private static func scheduleSuffix(_ kind: VisitKind) -> String {
        switch kind {
        case .evaluation: "evaluation"
        case .procedure: "procedure"
        case .followUp: "follow-up"
        }
    }

    private static func utcMinute(_ date: Date) -> String {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + pad(c.hour, 2) + pad(c.minute, 2)
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()
}
