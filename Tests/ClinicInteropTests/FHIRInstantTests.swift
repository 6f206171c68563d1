import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRInstantTests {
    @Test func utcHasSecondsAndZ() {
        #expect(FHIRInstant.utc(Date(timeIntervalSince1970: 1_772_469_000)) == "2026-03-02T16:30:00Z")
    }

    @Test func fractionsOfASecondAreCutNotRounded() {
        #expect(FHIRInstant.utc(Date(timeIntervalSince1970: 1_772_469_059.9)) == "2026-03-02T16:30:59Z")
    }

    @Test func localTimeFollowsDaylightSaving() throws {
        let denver = try #require(TimeZone(identifier: "America/Denver"))
        // The Monday before and after 2026-03-08, when Denver moves from -07:00 to -06:00.
        #expect(
            FHIRInstant.local(Date(timeIntervalSince1970: 1_772_469_000), in: denver) == "2026-03-02T09:30:00-07:00")
        #expect(
            FHIRInstant.local(Date(timeIntervalSince1970: 1_773_669_600), in: denver) == "2026-03-16T08:00:00-06:00")
    }

    @Test func phoenixKeepsItsOffsetAllYear() throws {
        let phoenix = try #require(TimeZone(identifier: "America/Phoenix"))
        #expect(
            FHIRInstant.local(Date(timeIntervalSince1970: 1_773_669_600), in: phoenix) == "2026-03-16T07:00:00-07:00")
    }

    @Test func halfHourOffsetsKeepTheirMinutes() throws {
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(
            FHIRInstant.local(Date(timeIntervalSince1970: 1_772_469_000), in: kolkata) == "2026-03-02T22:00:00+05:30")
    }

    @Test func dateIsYearMonthDay() throws {
        #expect(FHIRInstant.date(try LocalDate(year: 1957, month: 5, day: 14)) == "1957-05-14")
    }
}
