import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// A booking's own transaction re-checks its resources: availability was computed before it, and a
/// room taken out of service or blocked in between must not be claimed. The store is driven
/// directly, with the time availability would have offered before the change.
@Suite("Booking re-checks its resources")
struct BookingRecheckTests {
    /// A candidate (L1 wedge fracture, 30% height loss, STIR edema) and the procedure booking
    /// availability offers her next Monday at 07:00.
    static func offered(_ db: TestDatabase) async throws -> (
        services: APIServices, booking: NewBooking, room: ResourceID
    ) {
        let fixtures = Fixtures(db)
        let (clinic, resources) = try await fixtures.schedulableClinic()
        let services = try fixtures.services()
        let referral = try await fixtures.candidate(at: clinic, mrn: "DSC-0401", services: services)
        let start = Fixtures.nextMondayMorning(in: clinic)
        let room = resources[.procedureRoom]!
        let booking = NewBooking(
            id: .random(), referralID: referral, clinicID: clinic.id, kind: .procedure, start: start,
            end: start.addingTimeInterval(75 * 60), resourceIDs: [room, resources[.proceduralist]!])
        return (services, booking, room)
    }

    static func book(_ db: TestDatabase, _ booking: NewBooking) async throws {
        _ = try await PostgresSchedulingStore(database: db.database).book(
            booking, actor: Fixtures.operator_, idempotency: nil, decide: { _ in nil })
    }

    @Test("a room deactivated after availability was computed is refused, and nothing is stored")
    func deactivatedMeanwhile() async throws {
        try await withTestDatabase { db in
            let site = try await Self.offered(db)
            _ = try await site.services.resources.update(
                id: site.room, name: nil, active: false, actor: Fixtures.operator_)
            await #expect(throws: ServiceError.conflict("resource Procedure Suite 1 is no longer in service")) {
                try await Self.book(db, site.booking)
            }
            #expect(try await db.count("appointments") == 0)
        }
    }

    @Test("a room blocked after availability was computed is refused unless the booking is an overbooking")
    func blockedMeanwhile() async throws {
        try await withTestDatabase { db in
            let site = try await Self.offered(db)
            _ = try await site.services.resources.addBlock(
                resourceID: site.room, starts: site.booking.start.addingTimeInterval(-3600),
                ends: site.booking.end.addingTimeInterval(3600), kind: .maintenance, reason: "C-arm service",
                overBookings: false, actor: Fixtures.operator_)
            await #expect(throws: ServiceError.conflict("resource Procedure Suite 1 is blocked at that time")) {
                try await Self.book(db, site.booking)
            }
            #expect(try await db.count("appointments") == 0)
            var overbooking = site.booking
            overbooking.overbookReason = "Fracture worsening; the C-arm service moves to the afternoon"
            try await Self.book(db, overbooking)
            #expect(try await db.count("appointments") == 1)
        }
    }
}
