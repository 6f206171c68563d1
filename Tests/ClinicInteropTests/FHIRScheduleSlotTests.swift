import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRScheduleSlotTests {
    /// 2026-03-16T14:00:00Z, 08:00 in Denver.
    let start = Date(timeIntervalSince1970: 1_773_669_600)

    @Test func scheduleIdIsClinicAndKind() {
        #expect(
            FHIRIDs.schedule(clinicID: FHIRFixtures.clinicID, kind: .procedure)
                == "6f1c2b0e-8d3a-4e55-9c1b-2a7d4e9f0a11-procedure")
        #expect(FHIRIDs.schedule(clinicID: FHIRFixtures.clinicID, kind: .followUp).hasSuffix("-follow-up"))
    }

    @Test func scheduleIdRoundTripsForEveryKind() throws {
        for kind in VisitKind.allCases {
            let id = FHIRIDs.schedule(clinicID: FHIRFixtures.clinicID, kind: kind)
            #expect(FHIRIDs.isValid(id))
            let parsed = try #require(FHIRIDs.parseSchedule(id))
            #expect(parsed.0 == FHIRFixtures.clinicID)
            #expect(parsed.1 == kind)
        }
    }

    @Test func scheduleParserRefusesOtherIds() {
        for id in [
            "", "procedure", "6f1c2b0e-8d3a-4e55-9c1b-2a7d4e9f0a11", "6f1c2b0e-8d3a-4e55-9c1b-2a7d4e9f0a11-",
            "6f1c2b0e-8d3a-4e55-9c1b-2a7d4e9f0a11-surgery", "6F1C2B0E-8D3A-4E55-9C1B-2A7D4E9F0A11-procedure",
            "6f1c2b0e-8d3a-4e55-9c1b-2a7d4e9f0a11-follow_up", "not-a-uuid-at-all-but-thirty-six-char-procedure",
        ] {
            #expect(FHIRIDs.parseSchedule(id) == nil, "\(id)")
        }
    }

    @Test func slotIdIsScheduleAndUTCMinuteAndRoundTrips() throws {
        let schedule = FHIRIDs.schedule(clinicID: FHIRFixtures.clinicID, kind: .procedure)
        let id = try #require(FHIRIDs.slot(scheduleID: schedule, start: start))
        #expect(id == schedule + "-202603161400")
        let parsed = try #require(FHIRIDs.parseSlot(id))
        #expect(parsed.scheduleID == schedule)
        #expect(parsed.start == start)
    }

    @Test func longestSlotIdFitsSixtyFourCharacters() throws {
        let schedule = FHIRIDs.schedule(clinicID: FHIRFixtures.clinicID, kind: .followUp)
        let id = try #require(FHIRIDs.slot(scheduleID: schedule, start: start))
        #expect(id.count <= 64)
        #expect(FHIRIDs.isValid(id))
    }

    @Test func slotIdThatWouldPassSixtyFourCharactersIsRefused() {
        let schedule = String(repeating: "a", count: 52)
        #expect(FHIRIDs.slot(scheduleID: schedule, start: start) == nil)
        #expect(FHIRIDs.slot(scheduleID: String(repeating: "a", count: 51), start: start)?.count == 64)
        #expect(throws: FHIRInvalidID.self) {
            try FHIRSlot(
                scheduleID: schedule, start: start, end: start, status: .free, zone: .gmt, bookingLink: nil,
                bookingPhone: nil)
        }
    }

    @Test func idRuleAcceptsOnlyFHIRIdCharacters() {
        #expect(FHIRIDs.isValid("abc-DEF.123"))
        #expect(!FHIRIDs.isValid(""))
        #expect(!FHIRIDs.isValid("follow_up"))
        #expect(!FHIRIDs.isValid("a b"))
        #expect(!FHIRIDs.isValid("é"))
        #expect(!FHIRIDs.isValid(String(repeating: "x", count: 65)))
    }

    @Test func scheduleNamesClinicLocationAndService() throws {
        let json = try FHIRFixtures.json(FHIRSchedule(clinic: try FHIRFixtures.clinic(), kind: .procedure))
        #expect(json.string("resourceType") == "Schedule")
        #expect(json["active"] as? Bool == true)
        let actor = try #require(json.objects("actor").first)
        #expect(actor.string("reference") == "Location/\(FHIRFixtures.clinicID)")
        #expect(actor.string("display") == "Front Range Spine Clinic")
        #expect(
            json.objects("serviceType").first?.string("text")
                == "Kyphoplasty procedure (about one hour per treated vertebra, home the same day)")
        #expect(
            FHIRSchedule(clinic: try FHIRFixtures.clinic(), kind: .evaluation).serviceType.first?.text
                == "Kyphoplasty evaluation visit")
    }

    @Test func slotHasLocalOffsetTimesAndBookingExtensions() throws {
        let schedule = FHIRIDs.schedule(clinicID: FHIRFixtures.clinicID, kind: .evaluation)
        let slot = try FHIRSlot(
            scheduleID: schedule, start: start, end: start.addingTimeInterval(45 * 60), status: .free,
            zone: try FHIRFixtures.clinic().timeZone.zone,
            bookingLink: URL(string: "https://clinic.example.org/book?slot=abc"), bookingPhone: "+1-303-555-0142")
        let json = try FHIRFixtures.json(slot)
        #expect(json.string("resourceType") == "Slot")
        #expect(json.string("status") == "free")
        #expect(json.string("start") == "2026-03-16T08:00:00-06:00")
        #expect(json.string("end") == "2026-03-16T08:45:00-06:00")
        #expect(json.object("schedule")?.string("reference") == "Schedule/\(schedule)")
        let extensions = json.objects("extension")
        #expect(
            extensions.first { $0.string("url") == FHIRExtensionURL.bookingDeepLink }?.string("valueUrl")
                == "https://clinic.example.org/book?slot=abc")
        #expect(
            extensions.first { $0.string("url") == FHIRExtensionURL.bookingPhone }?.string("valueString")
                == "+1-303-555-0142")
    }

    @Test func slotWithoutBookingDetailsHasNoExtension() throws {
        let slot = try FHIRSlot(
            scheduleID: "s1", start: start, end: start.addingTimeInterval(3600), status: .busy, zone: .gmt,
            bookingLink: nil, bookingPhone: " ")
        let json = try FHIRFixtures.json(slot)
        #expect(json["extension"] == nil)
        #expect(json.string("status") == "busy")
        #expect(json.string("start") == "2026-03-16T14:00:00+00:00")
    }
}
