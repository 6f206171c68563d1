import ClinicDomain
import Foundation
import OpenAPIRuntime

/// RFC 3339 date-times: written with milliseconds in UTC, read with or without fractional
/// seconds and with any offset RFC 3339 allows (Foundation's parser stops at ±18:00).
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        RFC3339.format(date)
    }

    func decode(_ text: String) throws -> Date {
        guard let date = Self.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "Expected an RFC 3339 date-time with offset, e.g. 2026-11-25T09:30:00-07:00."))
        }
        return date
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, strictly; nil for anything else.
    static func parse(_ text: String) -> Date? { RFC3339.instant(text) }
}
