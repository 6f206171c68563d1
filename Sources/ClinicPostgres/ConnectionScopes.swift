import ClinicDomain
import Logging
import PostgresNIO
import Synchronization

/// The `clinic.scope` setting each pooled connection carries, so that it is sent only when a
/// lease needs another scope than the connection's last one.
///
/// The setting is session-wide (set outside any transaction, so a rollback cannot undo it) and
/// stays on the connection between leases. Remembering it per connection saves a round trip on
/// almost every lease; a connection is recognised by its identity, checked through a weak
/// reference so that a new connection at a reused address is never taken for an old one. The
/// record is written only after the server confirmed the setting, and there is one record for the
/// whole process, shared by every `ClinicDatabase` that leases from the same pool.
final class ConnectionScopes: Sendable {
    static let shared = ConnectionScopes()

    private struct Entry {
        weak var connection: PostgresConnection?
        var setting: String
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    /// Makes `connection` see exactly `scope`'s clinics.
    func set(_ scope: ClinicScope, on connection: PostgresConnection, logger: Logger) async throws {
        let setting = scope.description
        let key = ObjectIdentifier(connection)
        let current = entries.withLock { entries -> String? in
            guard let entry = entries[key], entry.connection === connection else { return nil }
            return entry.setting
        }
        if current == setting { return }
        try await connection.runToEnd("SELECT set_config('clinic.scope', \(setting), false)", logger: logger)
        entries.withLock { entries in
            // Forget connections that are gone, so the table stays as small as the pool.
            if entries.count > 64 { entries = entries.filter { $0.value.connection != nil } }
            entries[key] = Entry(connection: connection, setting: setting)
        }
    }
}
