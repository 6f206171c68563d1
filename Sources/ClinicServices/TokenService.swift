import ClinicDomain
import Crypto
import Foundation

/// A token as listed: never its secret.
public struct APIToken: Hashable, Sendable {
    public let id: APITokenID
    public let name: String
    public let role: Role
    public let scope: ClinicScope
    public let createdAt: Date
    public let expiresAt: Date?
    public let revokedAt: Date?
    public let lastUsedAt: Date?

    public init(
        id: APITokenID, name: String, role: Role, scope: ClinicScope, createdAt: Date, expiresAt: Date?,
        revokedAt: Date?, lastUsedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.scope = scope
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Persists tokens by the hash of their secret.
public protocol TokenStore: Sendable {
    /// - Throws: `ServiceError.unknownReference` when the scope names a clinic that does not exist.
    func insert(id: APITokenID, name: String, role: Role, scope: ClinicScope, hash: [UInt8], expiresAt: Date?)
        async throws
    /// The live (not revoked, not expired) token with this hash; marks it used.
    /// The token's principal while it is neither revoked nor expired at `now`.
    func authenticate(hash: [UInt8], now: Date) async throws -> Principal?
    func list() async throws -> [APIToken]
    /// - Returns: false when no such token exists.
    func revoke(id: APITokenID, at: Date) async throws -> Bool
}

/// Issues, checks and revokes bearer tokens. Secrets are 256 random bits, shown once, stored as SHA-256.
public struct TokenService: Sendable {
    private let store: any TokenStore

    public init(store: any TokenStore) { self.store = store }

    /// Every secret starts with this, so a leaked one is recognisable in logs and scanners.
    static let prefix = "clin_"

    /// Creates a token reaching `scope` and returns its secret, which is not stored and cannot be
    /// shown again.
    public func create(name: String, role: Role, scope: ClinicScope, expiresAt: Date? = nil) async throws -> (
        APITokenID, secret: String
    ) {
        if case .clinics(let clinics) = scope, clinics.isEmpty {
            throw ServiceError.invalid("/clinics", "must name at least one clinic, or the whole network")
        }
        let name = try validated("/name") { try BoundedText(name, maxLength: 100) }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let secret =
            Self.prefix
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let id = APITokenID.random()
        try await store.insert(
            id: id, name: name.value, role: role, scope: scope, hash: Self.hash(secret), expiresAt: expiresAt)
        return (id, secret)
    }

    /// The principal behind a bearer secret; nil when unknown, revoked or expired.
    /// - Parameter now: the request's instant; a token expiring before it is refused.
    public func authenticate(secret: String, now: Date) async throws -> Principal? {
        guard secret.hasPrefix(Self.prefix), secret.count < 100 else { return nil }
        return try await store.authenticate(hash: Self.hash(secret), now: now)
    }

    public func list() async throws -> [APIToken] { try await store.list() }

    public func revoke(id: APITokenID, at: Date) async throws {
        guard try await store.revoke(id: id, at: at) else { throw ServiceError.notFound(entity: "token") }
    }

    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Data(secret.utf8))) }
}

/// Runs a domain constructor, turning its validation error into the service's, under `pointer`.
func validated<T>(_ pointer: String, _ make: () throws -> T) throws -> T {
    var collector = ViolationCollector()
    let value = collector.check(pointer, make)
    do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
    return value!
}
