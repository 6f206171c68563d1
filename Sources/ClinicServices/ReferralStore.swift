import ClinicDomain
import Foundation

/// A claim on an Idempotency-Key, made in the same transaction as the creation it guards.
public struct IdempotencyClaim: Hashable, Sendable {
    /// Keys are per operation and per caller, so two clients cannot collide.
    public let scope: String
    public let key: String
    /// SHA-256 of the request's canonical form: the same key with another request is refused.
    public let requestHash: [UInt8]

    public init(scope: String, key: String, requestHash: [UInt8]) {
        self.scope = scope
        self.key = key
        self.requestHash = requestHash
    }
}

/// What a create returned: a new row, or the id of the row an earlier identical request made.
public enum CreateOutcome<ID: Sendable & Hashable>: Sendable, Hashable {
    case created(ID)
    case replayed(ID)

    public var id: ID {
        switch self {
        case .created(let id), .replayed(let id): id
        }
    }
}

/// Filters and position of one page of referrals, newest first.
public struct ReferralQuery: Hashable, Sendable {
    public var status: ReferralStatus?
    public var clinicID: ClinicID?
    public var limit: Int
    public var after: ReferralCursor?

    public init(status: ReferralStatus? = nil, clinicID: ClinicID? = nil, limit: Int = 50, after: ReferralCursor? = nil) {
        self.status = status
        self.clinicID = clinicID
        self.limit = limit
        self.after = after
    }
}

/// One page of referrals and where the next one starts (`nil` at the end).
public struct ReferralPage: Hashable, Sendable {
    public let items: [Referral]
    public let next: ReferralCursor?

    public init(items: [Referral], next: ReferralCursor?) {
        self.items = items
        self.next = next
    }
}

/// Persists referrals, their events and their audit rows.
public protocol ReferralStore: Sendable {
    /// Creates the patient (or matches one by clinic + MRN), the referral in `received`, its first
    /// event and its audit row, in one transaction. With a claim, a replay returns the first id.
    func create(_ referral: NewReferral, id: ReferralID, actor: Actor,
                idempotency: IdempotencyClaim?) async throws -> CreateOutcome<ReferralID>
    func referral(id: ReferralID) async throws -> Referral?
    func list(_ query: ReferralQuery) async throws -> ReferralPage
}

/// Reads clinics.
public protocol ClinicStore: Sendable {
    func clinic(id: ClinicID) async throws -> Clinic?
}
