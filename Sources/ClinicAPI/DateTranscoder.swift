import Foundation
import OpenAPIRuntime

/// RFC 3339 date-times: written with milliseconds in UTC, read with or without fractional seconds,
/// so callers may send either form and event times keep their order when read back.
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time with offset, e.g. 2026-11-25T09:30:00-07:00."))
    }
}
