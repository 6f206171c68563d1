import ClinicDomain
import Foundation

/// Keyset position in the newest-first referral list: the last row's (created at, id).
///
/// Opaque to clients (base64url of "microseconds:uuid"); keyset rather than offset so that a page
/// neither repeats nor skips rows while new referrals arrive.
public struct ReferralCursor: Hashable, Sendable {
    public let createdAtMicroseconds: Int64
    public let id: ReferralID

    public init(createdAtMicroseconds: Int64, id: ReferralID) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.id = id
    }

    public init(after referral: Referral) {
        self.init(createdAtMicroseconds: Int64((referral.createdAt.timeIntervalSince1970 * 1_000_000).rounded()),
                  id: referral.id)
    }

    public var token: String {
        Data("\(createdAtMicroseconds):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// - Throws: `ServiceError.invalid` at `/cursor` for anything this type did not make.
    public init(token: String) throws {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.count <= 200, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8)
        else { throw ServiceError.invalid("/cursor", "is not a cursor this server issued") }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = ReferralID(string: String(parts[1])) else {
            throw ServiceError.invalid("/cursor", "is not a cursor this server issued")
        }
        self.init(createdAtMicroseconds: micros, id: id)
    }
}
