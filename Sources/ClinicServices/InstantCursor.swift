import ClinicDomain
import Foundation

/// Keyset position in a list ordered by an instant and then an id: the last row's (instant, id).
/// The referral list (created at, newest first), appointment searches (start), a resource's
/// blocks (start) and a patient's imaging (performed at, newest first) all page with it.
///
/// Keyset rather than offset so that a page neither repeats nor skips rows while new ones
/// arrive. Clients see it only sealed (the API's `CursorSeal`); its payload is "microseconds:uuid".
/// The instant is kept as whole microseconds and bound as such: a `Date` made from them may
/// encode one microsecond early, and the row it names would come back on the next page.
public struct InstantCursor<Entity>: Hashable, Sendable {
    public let microseconds: Int64
    public let id: Identifier<Entity>

    /// Nil when `microseconds` is outside years 0001-9999.
    public init?(microseconds: Int64, id: Identifier<Entity>) {
        guard InstantCursors.microsecondRange.contains(microseconds) else { return nil }
        self.microseconds = microseconds
        self.id = id
    }

    /// The position of a row at `instant`; nil only for a stored time outside years 0001-9999.
    public init?(instant: Date, id: Identifier<Entity>) {
        guard let exact = Int64(exactly: (instant.timeIntervalSince1970 * 1_000_000).rounded()) else { return nil }
        self.init(microseconds: exact, id: id)
    }

    public var payload: String { "\(microseconds):\(id)" }

    /// Parses a payload this type wrote; nil for anything else, including instants out of range.
    public init?(payload: String) {
        let parts = payload.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 20, let micros = Int64(parts[0]),
            let id = Identifier<Entity>(string: String(parts[1]))
        else { return nil }
        self.init(microseconds: micros, id: id)
    }
}

/// What every instant cursor shares.
enum InstantCursors {
    /// The instants a cursor may hold: years 0001 to 9999, as anywhere else in the API. Past
    /// them PostgresNIO's date encoding stops the process, so nothing outside is ever bound.
    static let microsecondRange: ClosedRange<Int64> = -62_135_596_800_000_000...253_402_300_799_999_999
}

/// The referral list's position: (created at, id), newest first.
public typealias ReferralCursor = InstantCursor<ReferralTag>
/// An appointment search's position: (start, id), earliest first.
public typealias AppointmentCursor = InstantCursor<AppointmentTag>
/// A resource's blocks' position: (start, id), earliest first.
public typealias BlockCursor = InstantCursor<BlockTag>
/// A patient's imaging results' position: (performed at, id), most recent first.
public typealias ImagingCursor = InstantCursor<ImagingResultTag>

extension InstantCursor where Entity == ReferralTag {
    public init?(createdAtMicroseconds: Int64, id: ReferralID) {
        self.init(microseconds: createdAtMicroseconds, id: id)
    }
    public var createdAtMicroseconds: Int64 { microseconds }
    /// The position after `referral`.
    public init?(after referral: Referral) { self.init(instant: referral.createdAt, id: referral.id) }
}

extension InstantCursor where Entity == AppointmentTag {
    /// The position after `appointment`.
    public init?(after appointment: Appointment) { self.init(instant: appointment.start, id: appointment.id) }
}

extension InstantCursor where Entity == BlockTag {
    /// The position after `block`.
    public init?(after block: ResourceBlock) { self.init(instant: block.during.lowerBound, id: block.id) }
}

extension InstantCursor where Entity == ImagingResultTag {
    /// The position after `result`.
    public init?(after result: ImagingResult) { self.init(instant: result.performedAt, id: result.id) }
}
