import ClinicDomain
import Foundation

/// Keyset position in the newest-first referral list: the last row's (created at, id).
///
/// Keyset rather than offset so that a page neither repeats nor skips rows while new referrals
/// arrive. Clients see it only sealed (the API's `CursorSeal`); its payload is "microseconds:uuid".
public struct ReferralCursor: Hashable, Sendable {
    public let createdAtMicroseconds: Int64
    public let id: ReferralID

    /// The instants a cursor may hold: years 0001 to 9999, as anywhere else in the API. Past
    /// them PostgresNIO's date encoding stops the process, so nothing outside is ever bound.
    static let microsecondRange: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999

    /// Nil when `createdAtMicroseconds` is outside years 0001-9999.
    public init?(createdAtMicroseconds: Int64, id: ReferralID) {
        guard Self.microsecondRange.contains(createdAtMicroseconds) else { return nil }
        self.createdAtMicroseconds = createdAtMicroseconds
        self.id = id
    }

    /// The position after `referral`; nil only for a stored time outside years 0001-9999.
    public init?(after referral: Referral) {
        let micros = (referral.createdAt.timeIntervalSince1970 * 1_000_000).rounded()
        guard let exact = Int64(exactly: micros) else { return nil }
        self.init(createdAtMicroseconds: exact, id: referral.id)
    }

    public var payload: String { "\(createdAtMicroseconds):\(id)" }

    /// Parses a payload this type wrote; nil for anything else, including instants out of range.
    public init?(payload: String) {
        let parts = payload.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 20, let micros = Int64(parts[0]),
            let id = ReferralID(string: String(parts[1]))
        else { return nil }
        self.init(createdAtMicroseconds: micros, id: id)
    }
}
