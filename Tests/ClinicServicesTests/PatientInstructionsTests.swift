import ClinicApp
import ClinicDomain
import ClinicPostgres
import ClinicServices
import ClinicTestSupport
import Foundation
import Testing

/// The facts of a patient letter, computed from the booking and the pre-procedure plan on the
/// clinic's calendar (America/Denver, which changes its clocks): every date checked against the plan.
@Suite("Patient letter facts")
struct PatientInstructionsTests {
    /// A 68-year-old with an L1 wedge fracture (30% height loss, STIR edema), her procedure booked
    /// for the Monday a week or more away at 07:00 Denver time.
    static func booked(
        _ db: TestDatabase, anesthesia: AnesthesiaPlan = .localWithSedation, drug: Anticoagulant,
        osteoporosis: Bool = false
    ) async throws -> (services: APIServices, referral: ReferralID, appointment: Appointment, clinic: Clinic) {
        let fixtures = Fixtures(db)
        let (clinic, _) = try await fixtures.schedulableClinic(timeZone: "America/Denver")
        let services = try fixtures.services()
        if anesthesia == .general {
            let anesthetist = try await services.setup.addResource(
                clinicID: clinic.id, kind: .anesthesia, name: "Dr. Priya Natarajan", actor: Fixtures.operator_)
            _ = try await services.setup.setTemplate(
                resourceID: anesthetist.resource.id, windows: (1...5).map { ($0, "07:00", "17:00") },
                actor: Fixtures.operator_)
        }
        let referral = try await fixtures.candidate(
            at: clinic, mrn: "DEN-0068", anesthesia: anesthesia, anticoagulant: drug, osteoporosis: osteoporosis,
            services: services)
        let (appointment, _) = try await services.scheduling.book(
            referralID: referral, kind: .procedure, start: Fixtures.nextMondayMorning(in: clinic), resourceIDs: nil,
            idempotencyKey: nil, actor: Fixtures.operator_)
        return (services, referral, appointment, clinic)
    }

    static func letter(_ services: APIServices, _ appointment: Appointment) async throws -> PatientInstructions {
        try await services.instructions.letter(appointmentID: appointment.id, format: .text, actor: Fixtures.operator_)
            .facts
    }

    @Test(
        "warfarin under sedation: stop and last dose from the plan, INR the day before, no food six hours before arrival"
    )
    func warfarin() async throws {
        try await withTestDatabase { db in
            let site = try await Self.booked(db, drug: .warfarin)
            let facts = try await Self.letter(site.services, site.appointment)
            let date = LocalDate(site.appointment.start, in: site.clinic.timeZone.zone)
            let (_, plan) = try await site.services.evaluations.plan(
                referralID: site.referral, procedureDate: date, actor: Fixtures.operator_)
            #expect(facts.document == .procedure && facts.visit.date == date)
            #expect(facts.visit.start.description == "07:00" && facts.visit.arrival.description == "06:00")
            let hold = try #require(facts.procedure?.holds.first)
            #expect(hold.drug == .warfarin && hold.stopOn == plan.holds.first?.stopOn)
            #expect(hold.stopOn == date.adding(days: -5) && hold.lastDoseOn == date.adding(days: -6))
            #expect(facts.procedure?.inrCheckOn == date.adding(days: -1))
            #expect(facts.procedure?.anesthesia == .localWithSedation)
            #expect(facts.procedure?.fasting.noFoodFrom.description == "00:00")  // 06:00 arrival - 6 h
            #expect(facts.procedure?.fasting.noFoodFromDate == date)
            #expect(facts.procedure?.fasting.clearFluidsUntil.description == "04:00")
            #expect(facts.procedure?.mayDriveFrom == date.adding(days: 2))
            #expect(facts.procedure?.levels.map(\.description) == ["L1"])
            #expect(facts.patientGivenName == "Eleanor" && facts.clinic.name == "Desert Spine Center")
        }
    }

    @Test("a DOAC is stopped three days before, with no INR check")
    func doac() async throws {
        try await withTestDatabase { db in
            let site = try await Self.booked(db, drug: .doac)
            let facts = try await Self.letter(site.services, site.appointment)
            let date = facts.visit.date
            let hold = try #require(facts.procedure?.holds.first)
            #expect(
                hold.drug == .doac && hold.stopOn == date.adding(days: -3) && hold.lastDoseOn == date.adding(days: -4))
            #expect(facts.procedure?.inrCheckOn == nil)
        }
    }

    @Test("general anesthesia: no food from midnight at the start of the procedure day")
    func generalAnesthesia() async throws {
        try await withTestDatabase { db in
            let site = try await Self.booked(db, anesthesia: .general, drug: .none)
            let facts = try await Self.letter(site.services, site.appointment)
            #expect(facts.procedure?.anesthesia == .general)
            #expect(facts.procedure?.fasting.noFoodFromDate == facts.visit.date)
            #expect(facts.procedure?.fasting.noFoodFrom.description == "00:00")
            #expect(facts.procedure?.holds.isEmpty == true && facts.procedure?.inrCheckOn == nil)
        }
    }

    @Test("therapeutic LMWH: the last injection no later than 24 hours before the start")
    func lmwh() async throws {
        try await withTestDatabase { db in
            let site = try await Self.booked(db, drug: .lmwh)
            let facts = try await Self.letter(site.services, site.appointment)
            let hold = try #require(facts.procedure?.holds.first)
            #expect(hold.drug == .lmwh && hold.lastDoseOn == facts.visit.date.adding(days: -1))
            #expect(hold.lastDoseNoLaterThan?.description == "07:00" && hold.stopOn == facts.visit.date)
        }
    }

    @Test("after the procedure the letter is the aftercare sheet, with osteoporosis and the booked follow-up")
    func aftercare() async throws {
        try await withTestDatabase { db in
            let site = try await Self.booked(db, drug: .none, osteoporosis: true)
            let (_, proposals) = try await site.services.scheduling.complete(
                appointmentID: site.appointment.id, actor: Fixtures.operator_)
            let proposal = try #require(proposals.first)
            let (followUp, _) = try await site.services.scheduling.book(
                referralID: site.referral, kind: .followUp, start: proposal.slot.start, resourceIDs: nil,
                idempotencyKey: nil,
                actor: Fixtures.operator_)
            let facts = try await Self.letter(site.services, site.appointment)
            #expect(facts.document == .aftercare && facts.procedure == nil)
            #expect(facts.aftercare?.osteoporosis == true)
            #expect(facts.aftercare?.procedureDate == LocalDate(site.appointment.start, in: site.clinic.timeZone.zone))
            #expect(facts.aftercare?.followUp?.date == LocalDate(followUp.start, in: site.clinic.timeZone.zone))
            let followUpLetter = try await Self.letter(site.services, followUp)
            #expect(
                followUpLetter.document == .followUp
                    && followUpLetter.visit.arrival.minutesSinceMidnight
                        == followUpLetter.visit.start.minutesSinceMidnight - 15
            )
        }
    }

    @Test("the waitlist's offers are in the change feed: made, then accepted with the booking")
    func offersInTheFeed() async throws {
        try await withTestDatabase { db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let services = try fixtures.services()
            let first = try await fixtures.candidate(at: clinic, mrn: "DSC-0201", services: services)
            let waiting = try await fixtures.candidate(at: clinic, mrn: "DSC-0202", services: services)
            let (booked, _) = try await services.scheduling.book(
                referralID: first, kind: .procedure, start: Fixtures.nextMondayMorning(in: clinic), resourceIDs: nil,
                idempotencyKey: nil, actor: Fixtures.operator_)
            _ = try await services.waitlist.cancel(
                appointmentID: booked.id, reason: "Patient admitted elsewhere", actor: Fixtures.operator_)
            let offer = try #require(
                try await services.waitlist.waitlist(clinicID: clinic.id, actor: Fixtures.operator_).offers.first)
            #expect(offer.referralID == waiting)
            _ = try await services.waitlist.accept(offerID: offer.id, actor: Fixtures.operator_)
            let feed = try await services.changes.changes(after: 0, types: nil, limit: 1000, actor: Fixtures.operator_)
            let ofOffer = feed.items.filter { $0.entityID == offer.id.rawValue }.map(\.type)
            #expect(ofOffer == [.offerMade, .offerAccepted])
            let ofWaiting = feed.items.filter { $0.referralID == waiting }.map(\.type)
            #expect(ofWaiting.suffix(3).contains(.appointmentBooked))
            #expect(feed.items.contains { $0.entityID == booked.id.rawValue && $0.type == .appointmentCancelled })
        }
    }

    @Test("a rescheduled visit is one event on the new appointment, naming the one it replaces")
    func rescheduledInTheFeed() async throws {
        try await withTestDatabase { db in
            let site = try await Self.booked(db, drug: .none)
            let later = site.appointment.start.addingTimeInterval(86_400)
            let moved = try await site.services.scheduling.reschedule(
                appointmentID: site.appointment.id, start: later, resourceIDs: nil, actor: Fixtures.operator_)
            let feed = try await site.services.changes.changes(
                after: 0, types: nil, limit: 1000, actor: Fixtures.operator_)
            let event = try #require(feed.items.first { $0.type == .appointmentRescheduled })
            #expect(event.entityID == moved.id.rawValue)
            #expect(event.data["rescheduledFrom"] == site.appointment.id.description)
            #expect(event.data["startsAt"] == RFC3339.format(later))
            #expect(
                !feed.items.contains { $0.entityID == site.appointment.id.rawValue && $0.type == .appointmentCancelled }
            )
        }
    }

    @Test("an offer past its time is expired by the sweep and the time offered to the next candidate, both in the feed")
    func offerExpiryIsSwept() async throws {
        try await withTestDatabase { db in
            let fixtures = Fixtures(db)
            let (clinic, _) = try await fixtures.schedulableClinic()
            let services = try fixtures.services()
            let first = try await fixtures.candidate(at: clinic, mrn: "DSC-0301", services: services)
            let second = try await fixtures.candidate(at: clinic, mrn: "DSC-0302", services: services)
            let third = try await fixtures.candidate(at: clinic, mrn: "DSC-0303", services: services)
            let (booked, _) = try await services.scheduling.book(
                referralID: first, kind: .procedure, start: Fixtures.nextMondayMorning(in: clinic), resourceIDs: nil,
                idempotencyKey: nil, actor: Fixtures.operator_)
            _ = try await services.waitlist.cancel(
                appointmentID: booked.id, reason: "Patient admitted elsewhere", actor: Fixtures.operator_)
            let later = Actor(
                principal: .commandLine("offer-expiry"), requestID: nil, at: Date().addingTimeInterval(25 * 3600))
            try await services.waitlist.passOnExpiredOffers(actor: later)
            let feed = try await services.changes.changes(after: 0, types: nil, limit: 1000, actor: Fixtures.operator_)
            let offers = feed.items.filter { $0.entity == .offer }.map { ($0.referralID, $0.type) }
            #expect(offers.count == 3)
            #expect(offers.first.map { $0.0 == second && $0.1 == .offerMade } == true)
            #expect(offers.dropFirst().first.map { $0.0 == second && $0.1 == .offerExpired } == true)
            #expect(offers.last.map { $0.0 == third && $0.1 == .offerMade } == true)
        }
    }
}
