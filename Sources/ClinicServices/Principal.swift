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
    /// The clinics the principal reaches; everything it reads or changes is checked against it.
    public let scope: ClinicScope

    public init(tokenID: APITokenID?, name: String, role: Role, scope: ClinicScope) {
        self.tokenID = tokenID
        self.name = name
        self.role = role
        self.scope = scope
    }

    /// The operator at the command line on the server itself: the whole network.
    public static func commandLine(_ name: String = "clinic-cli") -> Principal {
        Principal(tokenID: nil, name: name, role: .admin, scope: .network)
    }
}

/// A principal acting within one request: used for audit rows and event rows.
public struct Actor: Hashable, Sendable {
    public let principal: Principal
    public let requestID: String?
    /// The instant of the act, read once from the injected clock (per request at the API, per
    /// step in the simulated seeds, at the start of a command). Every row the act writes is
    /// stamped with it and every expiry it judges (holds, offers, tokens) is judged against it;
    /// the database's own clock decides nothing.
    public let at: Date

    public init(principal: Principal, requestID: String?, at: Date) {
        self.principal = principal
        self.requestID = requestID
        self.at = at
    }

    /// The clinics the act may reach: the principal's scope.
    public var scope: ClinicScope { principal.scope }
}
