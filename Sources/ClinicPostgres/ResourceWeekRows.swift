import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// A clinic's active resources with their weekly templates, and what takes their time in an
/// interval: blocks, and live claims (a hold expired at `now` is not live). Availability merges the two
/// into busy time; the nightly report's utilisation keeps them apart.
///
/// Claims are reached through the clinic's resources, so that the GiST index on
/// `(resource_id, during)` bounds the read to the interval: reached through `appointments.clinic_id`
/// instead, every claim of the clinic's history was read and filtered by time (measured: 110 ms a
/// request on two years of a clinic's bookings). An expired hold is found through the index of
/// held appointments (migration 0009), not by reading every claim's appointment.
enum ResourceWeekRows {
    static func load(
        clinicID: ClinicID, from: Date, to: Date, now: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [ResourceUsageRow] {
        var resources: [ResourceWeeks.Row] = []
        for try await row in try await connection.execute(ResourceWeeks(clinicID: clinicID), logger: logger) {
            resources.append(row)
        }
        var taken: [(Bool, UUID, Date, Date)] = []
        for try await row in try await connection.execute(
            BusyTime(clinicID: clinicID, from: from, to: to, now: now), logger: logger)
        {
            taken.append(row)
        }
        return try resources.map { id, kind, name, windows in
            ResourceUsageRow(
                resource: Resource(
                    id: ResourceID(id), clinicID: clinicID, kind: ResourceKind(rawValue: kind) ?? .consultRoom,
                    name: try BoundedText(name, maxLength: 200)),
                weekly: try windows.map(ResourceWeeks.window),
                blocks: taken.filter { $0.0 && $0.1 == id }.map { $0.2..<$0.3 },
                booked: taken.filter { !$0.0 && $0.1 == id }.map { $0.2..<$0.3 })
        }
    }
}

/// A clinic's active resources, each with its weekly template as `weekday HH:MM HH:MM` lines: one
/// statement, prepared once per connection, where a resource read and a template read were two.
struct ResourceWeeks: PostgresPreparedStatement {
    typealias Row = (UUID, String, String, [String])
    static let name = "resource_weeks"
    static let sql = """
        SELECT r.id, r.kind, r.name,
               ARRAY(SELECT t.weekday || ' ' || to_char(t.starts_at, 'HH24:MI') || ' ' || to_char(t.ends_at, 'HH24:MI')
                     FROM availability_templates t WHERE t.resource_id = r.id ORDER BY t.weekday, t.starts_at)
        FROM resources r WHERE r.clinic_id = $1 AND r.active ORDER BY r.kind, r.name, r.id
        """
    let clinicID: ClinicID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(clinicID.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    /// One line of the template array back into its window.
    static func window(_ line: String) throws -> WeeklyWindow {
        let (weekday, starts, ends) = try WeekdayHoursLine.parse(line)
        return try WeeklyWindow(weekday: weekday, starts: starts, ends: ends)
    }
}
/// What takes a clinic's resources' time in an interval: blocks, and live claims. Prepared once per
/// connection: planning it (row-level security on appointments, three joins) took as long as
/// running it.
struct BusyTime: PostgresPreparedStatement {
    typealias Row = (Bool, UUID, Date, Date)
    static let name = "resource_busy_time"
    static let sql = """
        SELECT true, b.resource_id, lower(b.during), upper(b.during)
        FROM resource_blocks b JOIN resources r ON r.id = b.resource_id
        WHERE r.clinic_id = $1 AND b.during && tstzrange($2, $3)
        UNION ALL
        SELECT false, ar.resource_id, lower(ar.during), upper(ar.during)
        FROM resources r JOIN appointment_resources ar ON ar.resource_id = r.id
        WHERE r.clinic_id = $1 AND ar.active AND ar.during && tstzrange($2, $3)
          AND NOT EXISTS (SELECT 1 FROM appointments a
                          WHERE a.id = ar.appointment_id AND a.state = 'held' AND a.hold_expires_at <= $4)
        """
    let clinicID: ClinicID
    let from: Date
    let to: Date
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(clinicID.rawValue)
        bindings.append(from)
        bindings.append(to)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
