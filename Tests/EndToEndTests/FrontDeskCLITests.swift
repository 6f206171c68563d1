import ClinicDomain
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// The front desk's admin commands of the built binary against a real database: letter
/// templates, resources taken out of service, blocks listed and lifted.
@Suite("clinic instructions, resource update, block list and delete")
struct FrontDeskCLITests {
    /// Eleanor Whitfield (L1 wedge fracture, on warfarin), her procedure booked next Monday.
    static func booked(_ db: TestDatabase) async throws -> (
        clinic: Clinic, resources: [ResourceKind: ResourceID], appointment: Appointment
    ) {
        let fixtures = Fixtures(db)
        let (clinic, resources) = try await fixtures.schedulableClinic()
        let services = try fixtures.services()
        let referral = try await fixtures.candidate(at: clinic, mrn: "DSC-4471", services: services)
        let (appointment, _) = try await services.scheduling.book(
            referralID: referral, kind: .procedure, start: Fixtures.nextMondayMorning(in: clinic), resourceIDs: nil,
            idempotencyKey: nil, actor: Fixtures.operator_)
        return (clinic, resources, appointment)
    }

    @Test("a clinic's letter template is shown, replaced after its check, used for the letter, and reset")
    func instructionTemplates() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let site = try await Self.booked(db)
            let which = ["--clinic", site.clinic.id.description, "--document", "procedure", "--format", "text"]
            let shipped = try await runClinic(["instructions", "show"] + which, db)
            #expect(shipped.status == 0 && shipped.output.contains("(shipped)") && shipped.output.contains("{{"))

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("letters-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let broken = folder.appendingPathComponent("broken.txt")
            try "Dear {{patient.fullName}},\n{{#procedure}}\nArrive early.\n".write(
                to: broken, atomically: true, encoding: .utf8)
            let refused = try await runClinic(["instructions", "set"] + which + ["--file", broken.path], db)
            #expect(refused.status == 1 && refused.output.contains("line 2"), "\(refused.output)")
            #expect(try await db.count("instruction_templates") == 0)

            let own = folder.appendingPathComponent("own.txt")
            try "Dear {{patient.fullName}}, bring your walker to Desert Spine on {{visit.date}}.\n".write(
                to: own, atomically: true, encoding: .utf8)
            let stored = try await runClinic(["instructions", "set"] + which + ["--file", own.path], db)
            #expect(stored.status == 0, "\(stored.output)")
            let shown = try await runClinic(["instructions", "show"] + which, db)
            #expect(shown.output.contains("the clinic's own") && shown.output.contains("bring your walker"))
            let letter = try await runClinic(["instructions", "print", site.appointment.id.description], db)
            #expect(letter.status == 0 && letter.output.contains("Dear Eleanor Whitfield, bring your walker"))

            let reset = try await runClinic(["instructions", "reset"] + which, db)
            let remaining = try await db.count("instruction_templates")
            #expect(reset.status == 0 && remaining == 0)
            let again = try await runClinic(["instructions", "print", site.appointment.id.description], db)
            #expect(!again.output.contains("bring your walker") && again.output.lowercased().contains("warfarin"))
        }
    }

    @Test("a room with a future booking is not deactivated from the CLI, which names the booking; renaming works")
    func resourceUpdate() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let site = try await Self.booked(db)
            let room = site.resources[.procedureRoom]!.description
            let refused = try await runClinic(["resource", "update", room, "--no-active"], db)
            #expect(
                refused.status == 1 && refused.output.contains(site.appointment.id.description), "\(refused.output)")
            #expect(try await db.count("resources", where: "NOT active") == 0)
            let renamed = try await runClinic(["resource", "update", room, "--name", "Procedure Suite East"], db)
            #expect(renamed.status == 0 && renamed.output.contains("1 future booking"), "\(renamed.output)")
            #expect(try await db.count("resources", where: "name = 'Procedure Suite East'") == 1)
        }
    }

    @Test("a resource's blocks are listed from now on and lifted by id")
    func blocks() async throws {
        try await withTestDatabase { (db: TestDatabase) async throws -> Void in
            let site = try await Self.booked(db)
            let room = site.resources[.consultRoom]!
            let start = site.appointment.start.addingTimeInterval(14 * 86_400)
            let block = try await Fixtures(db).services().resources.addBlock(
                resourceID: room, starts: start, ends: start.addingTimeInterval(8 * 3600), kind: .maintenance,
                reason: "Flooring replaced", overBookings: false, actor: Fixtures.operator_
            ).block
            let listed = try await runClinic(["block", "list", room.description], db)
            #expect(listed.status == 0 && listed.output.contains(block.id.description))
            #expect(listed.output.contains("maintenance") && listed.output.contains("Flooring replaced"))
            let lifted = try await runClinic(["block", "delete", room.description, block.id.description], db)
            let left = try await db.count("resource_blocks")
            #expect(lifted.status == 0 && left == 0)
            let gone = try await runClinic(["block", "delete", room.description, block.id.description], db)
            #expect(gone.status == 1)
            let empty = try await runClinic(["block", "list", room.description], db)
            #expect(empty.output.contains("No blocks from now on."))
        }
    }
}
