import ClinicDomain
import ClinicServices
import Foundation

/// One bound of a FHIR date search (`ge2026-12-01`, `lt2026-12-08T09:00:00-07:00`): a whole
/// day, read in the clinic's own zone, or an instant.
enum FHIRDateBound: Equatable {
    case day(LocalDate)
    case instant(Date)
}

/// A FHIR date search (`date=ge2026-12-01&date=lt2026-12-08`) as half-open bounds: a start on
/// or after every lower bound and before every upper one.
struct FHIRDateRange: Equatable {
    var lower: [FHIRDateBound] = []
    var upper: [FHIRDateBound] = []

    /// Parses each value with its prefix: eq (or none) covers the value's whole precision, ge
    /// and gt start at or after it, le and lt end at or before it. A year or a month is its
    /// first day to the next one's; a date-time needs seconds and an offset, as FHIR's instants do.
    /// - Parameter defaultPrefix: what a value without a prefix means (eq; ge for a slot start).
    init(_ values: [String], parameter: String, defaultPrefix: String = "eq") throws {
        for raw in try values.atMost(4, at: "/\(parameter)") {
            let value = raw.trimmingCharacters(in: .whitespaces)
            let letters = value.prefix(2)
            let hasPrefix = letters.count == 2 && letters.allSatisfy(\.isLetter)
            let prefix = hasPrefix ? String(letters) : defaultPrefix
            let text = hasPrefix ? String(value.dropFirst(2)) : value
            guard let (start, end) = Self.span(text) else {
                throw APIProblem.validation(
                    "/\(parameter)",
                    "must be a date (YYYY, YYYY-MM, YYYY-MM-DD) or a date-time with seconds and offset, after an "
                        + "optional prefix eq, ge, gt, le or lt")
            }
            switch prefix {
            case "eq":
                lower.append(start)
                upper.append(end)
            case "ge": lower.append(start)
            case "gt": lower.append(end)
            case "le": upper.append(end)
            case "lt": upper.append(start)
            default:
                throw APIProblem.validation(
                    "/\(parameter)", "prefix \(prefix) is not supported: use eq, ge, gt, le or lt")
            }
        }
    }

    /// The value's precision as [start, end): a whole day range, or one instant's second.
    static func span(_ text: String) -> (FHIRDateBound, FHIRDateBound)? {
        if text.contains("T") {
            guard let instant = RFC3339.instant(text), Date.storableRange.contains(instant) else { return nil }
            // `gt`/`le` on an instant mean after/at it: the next microsecond is the first start beyond.
            return (.instant(instant), .instant(instant.addingTimeInterval(0.000_001)))
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts[0].count == 4, parts.dropFirst().allSatisfy({ $0.count == 2 }),
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), (1...9998).contains(year)
        else { return nil }
        switch parts.count {
        case 1:
            guard let first = try? LocalDate(year: year, month: 1, day: 1),
                let next = try? LocalDate(year: year + 1, month: 1, day: 1)
            else { return nil }
            return (.day(first), .day(next))
        case 2:
            guard let month = Int(parts[1]), let first = try? LocalDate(year: year, month: month, day: 1),
                let next = try? LocalDate(year: month == 12 ? year + 1 : year, month: month % 12 + 1, day: 1)
            else { return nil }
            return (.day(first), .day(next))
        default:
            guard let day = try? LocalDate(iso8601: text) else { return nil }
            return (.day(day), .day(day.adding(days: 1)))
        }
    }

    /// The bounds as instants in one clinic's zone: the latest lower and the earliest upper.
    func instants(in zone: ClinicTimeZone) -> (from: Date?, before: Date?) {
        func resolve(_ bound: FHIRDateBound) -> Date {
            switch bound {
            case .day(let day): zone.startOfDay(day)
            case .instant(let instant): instant
            }
        }
        return (lower.map(resolve).max(), upper.map(resolve).min())
    }
}

/// The small parameters every FHIR search and read shares.
enum FHIRParameters {
    /// A logical id from the path: ours are UUIDs, so any other id names nothing (404, not 400).
    static func id<Tag>(_ text: String, _ entity: String) throws -> Identifier<Tag> {
        guard let id = Identifier<Tag>(string: text) else { throw ServiceError.notFound(entity: entity) }
        return id
    }

    /// `Type/<uuid>`, a full URL ending so, or the bare id.
    static func reference<Tag>(_ text: String, type: String, parameter: String) throws -> Identifier<Tag> {
        var id = Substring(text)
        if let slash = text.range(of: type + "/", options: .backwards) { id = text[slash.upperBound...] }
        guard let parsed = Identifier<Tag>(string: String(id)) else {
            throw APIProblem.validation("/\(parameter)", "must be a \(type) id or \(type)/<id>")
        }
        return parsed
    }

    /// Page size: 20 unless asked, 1 to 100.
    static func count(_ value: Int?) throws -> Int {
        guard let value else { return 20 }
        guard (1...100).contains(value) else { throw APIProblem.validation("/_count", "must be from 1 to 100") }
        return value
    }
}
