import ClinicDomain
import ClinicServices
import Foundation
import PostgresNIO

/// Finds an entity's clinic through `clinic_of` (migration 0008), which sees past row-level
/// security and returns nothing but the clinic's id.
public struct PostgresEntityLocator: EntityLocator {
    let database: ClinicDatabase

    public init(database: ClinicDatabase) { self.database = database }

    public func clinic(of entity: ScopedEntity) async throws -> ClinicID? {
        let logger = database.logger
        return try await database.withConnection(outside: .clinicData) { connection in
            let rows = try await connection.query(
                "SELECT clinic_of(\(entity.type), \(entity.id))", logger: logger
            ).collect()
            return try rows.first?.decode(UUID?.self).map(ClinicID.init)
        }
    }
}
