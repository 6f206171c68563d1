/// Whether the database answers and the schema is current.
public struct Readiness: Sendable, Hashable {
    public let databaseReachable: Bool
    public let pendingMigrations: [String]

    public init(databaseReachable: Bool, pendingMigrations: [String]) {
        self.databaseReachable = databaseReachable
        self.pendingMigrations = pendingMigrations
    }

    public var isReady: Bool { databaseReachable && pendingMigrations.isEmpty }
}

/// Checks what `/ready` reports.
public protocol ReadinessProbe: Sendable {
    func readiness() async -> Readiness
}
