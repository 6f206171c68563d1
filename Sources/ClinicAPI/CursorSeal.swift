import ClinicServices
import Crypto
import Foundation

/// Seals a list's keyset position into the opaque `nextCursor` clients pass back, and opens it
/// again only when this server's key sealed it: a forged or edited cursor is a 400 before any
/// value in it is used.
///
/// A cursor is `base64url(payload).base64url(tag)`, the tag the first 16 bytes of
/// HMAC-SHA256(key, payload). The payload starts with the list it belongs to, so one list's
/// cursor is not accepted by another. Servers that share a key (`CLINIC_CURSOR_SECRET`) accept
/// each other's cursors; without one, a cursor is valid until this process stops.
public struct CursorSeal: Sendable {
    private let key: SymmetricKey

    /// A key derived from a configured secret (at least 32 characters).
    public init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(secret.utf8)))
    }

    /// A key of this process only.
    public static func ephemeral() -> CursorSeal {
        CursorSeal(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) { self.key = key }

    /// The longest cursor this server issues, with room to spare; longer input is refused unread.
    static let maximumLength = 200

    func seal(_ payload: String) -> String {
        let bytes = Data(payload.utf8)
        return Self.base64URL(bytes) + "."
            + Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(16)))
    }

    /// The payload, when this server sealed `token`.
    func open(_ token: String) -> String? {
        guard token.utf8.count <= Self.maximumLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.data(base64URL: parts[0]), let tag = Self.data(base64URL: parts[1]),
            tag.count == 16
        else { return nil }
        // Every byte compared whatever the first difference, so timing tells nothing of the tag.
        let expected = Data(HMAC<SHA256>.authenticationCode(for: payload, using: key).prefix(16))
        guard zip(expected, tag).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return String(data: payload, encoding: .utf8)
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func data(base64URL text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

extension CursorSeal {
    /// The referral list's position, sealed.
    func token(_ cursor: ReferralCursor) -> String { token(list: "referrals", cursor.payload) }

    /// - Throws: `APIProblem` 400 at `/cursor` for anything this server did not issue for the referral list.
    func referralCursor(_ token: String?) throws -> ReferralCursor? {
        try position(token, list: "referrals") { ReferralCursor(payload: $0) }
    }

    /// A FHIR search's position: which search (so a cursor cannot move to another) and where.
    func token(fhir search: String, _ payload: String) -> String { token(list: "fhir-\(search)", payload) }

    /// - Throws: `APIProblem` 400 at `/_cursor` for anything this server did not issue for `search`.
    func fhirCursor(_ token: String?, search: String) throws -> String? {
        try payload(token, list: "fhir-\(search)", pointer: "/_cursor")
    }

    /// The audit list's position (the last entry's id), sealed.
    func token(auditAfter id: Int64) -> String { token(list: "audit", "\(id)") }

    func auditCursor(_ token: String?) throws -> Int64? {
        try position(token, list: "audit") { Int64($0).flatMap { $0 >= 0 ? $0 : nil } }
    }
}

extension CursorSeal {
    /// A list's position, sealed with the list's name so that it opens for that list only.
    func token(list: String, _ payload: String) -> String { seal("\(list):" + payload) }

    /// The payload of a cursor this server issued for `list`.
    /// - Throws: `APIProblem` 400 at `/cursor` for anything else.
    func payload(_ token: String?, list: String, pointer: String = "/cursor") throws -> String? {
        guard let token else { return nil }
        let prefix = "\(list):"
        guard let payload = open(token), payload.hasPrefix(prefix) else {
            throw APIProblem.validation(pointer, "is not a cursor this server issued for this list")
        }
        return String(payload.dropFirst(prefix.count))
    }

    /// The position a cursor this server issued for `list` names, as `position` reads its payload.
    /// - Throws: `APIProblem` 400 at `/cursor` for anything else.
    func position<Position>(_ token: String?, list: String, _ position: (String) -> Position?) throws -> Position? {
        try payload(token, list: list).map { payload in
            guard let value = position(payload) else {
                throw APIProblem.validation("/cursor", "is not a cursor this server issued for this list")
            }
            return value
        }
    }
}
