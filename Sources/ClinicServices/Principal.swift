import ClinicDomain
import Foundation

/// Marker for API token identifiers.
public enum APITokenTag {}
public typealias APITokenID = Identifier<APITokenTag>

/// Who is acting: the token's holder and role, or the operator at the CLI.
public struct Principal: Hashable, Sendable {
    /// `nil` for the command line, which acts with the operator's shell access instead of a token.
    public let tokenID: APITokenID?
    public let name: String
    public let role: Role

    public init(tokenID: APITokenID?, name: String, role: Role) {
        self.tokenID = tokenID
        self.name = name
        self.role = role
    }

    /// The operator at the command line on the server itself.
    public static func commandLine(_ name: String = "clinic-cli") -> Principal {
        Principal(tokenID: nil, name: name, role: .admin)
    }
}

/// A principal acting within one request: used for audit rows and event rows.
public struct Actor: Hashable, Sendable {
    public let principal: Principal
    public let requestID: String?
    /// When the acts happened, for data replayed on another clock (the demo and synthetic seeds,
    /// which build weeks of history in one run). `nil`, as for every live request, means the
    /// database's clock stamps referrals, their events and evaluations: what the nightly report
    /// reads. Other rows (appointments, consent, audit) keep the database's clock.
    public let recordedAt: Date?

    public init(principal: Principal, requestID: String?, recordedAt: Date? = nil) {
        self.principal = principal
        self.requestID = requestID
        self.recordedAt = recordedAt
    }
}
