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
}

/// A clinic as the referral pathway needs it: where it is in time.
public struct Clinic: Hashable, Sendable {
    public let id: ClinicID
    public let name: BoundedText
    public let timeZone: ClinicTimeZone

    public init(id: ClinicID, name: BoundedText, timeZone: ClinicTimeZone) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
    }

    /// The clinic's calendar date at an instant.
    public func today(at now: Date) -> LocalDate { LocalDate(now, in: timeZone.zone) }
}
