import Foundation
import Testing

@testable import ClinicDomain

@Suite("Validated value types")
struct ValueTypeTests {
    let today = try! LocalDate(iso8601: "2026-11-25")

    @Test("a 68-year-old's details are accepted and trimmed")
    func patientDetailsAccepted() throws {
        let patient = try PatientDetails(
            mrn: "  MRN-0001 ", givenName: "Eleanor", familyName: "Whitfield",
            birthDate: "1958-03-14", sex: .female, today: today)
        #expect(patient.mrn.value == "MRN-0001")
        #expect(patient.birthDate.description == "1958-03-14")
    }

    @Test("every bad patient field is named at once")
    func patientDetailsNameEveryBadField() {
        #expect(
            throws: ValidationError([
                FieldViolation(pointer: "/mrn", message: "must not be empty"),
                FieldViolation(pointer: "/birthDate", message: "must not be in the future"),
            ])
        ) {
            try PatientDetails(
                mrn: "  ", givenName: "Eleanor", familyName: "Whitfield", birthDate: "2027-01-01",
                sex: .female, today: today)
        }
    }

    @Test(
        "impossible and malformed dates are refused",
        arguments: [
            "2026-02-29", "2026-13-01", "26-01-01", "2026-1-01", "tomorrow", "", "+958-03-14", "1958-03-1x",
            "1958/03/14", "1958-03-14 ", "１958-03-14", "0000-01-01",
        ])
    func badDates(text: String) {
        #expect(throws: ValidationError.self) { try LocalDate(iso8601: text) }
    }

    @Test(
        "leap days exist only in leap years, century rule included",
        arguments: [
            ("2028-02-29", true), ("2000-02-29", true), ("1900-02-29", false), ("2100-02-29", false),
            ("2026-04-31", false), ("2026-12-31", true),
        ])
    func leapDays(text: String, exists: Bool) {
        #expect(((try? LocalDate(iso8601: text)) != nil) == exists)
    }

    @Test("a date prints with four-digit year and two-digit month and day")
    func datePrinting() throws {
        #expect(try LocalDate(year: 1958, month: 3, day: 4).description == "1958-03-04")
        #expect(try LocalDate(year: 7, month: 11, day: 25).description == "0007-11-25")
    }

    @Test("day arithmetic crosses month and year ends")
    func dayArithmetic() throws {
        #expect(try LocalDate(iso8601: "2026-12-30").adding(days: 3).description == "2027-01-02")
        #expect(try LocalDate(iso8601: "2028-03-01").adding(days: -1).description == "2028-02-29")
    }

    @Test("text with NUL or beyond its limit is refused")
    func boundedText() {
        #expect(throws: ValidationError.self) {
            try BoundedText("Robert'); DROP TABLE referrals;--\u{0}", maxLength: 100)
        }
        #expect(throws: ValidationError.self) { try BoundedText(String(repeating: "x", count: 101), maxLength: 100) }
        #expect((try? BoundedText("O'Brien; --", maxLength: 100))?.value == "O'Brien; --")
    }

    @Test(
        "plain and Unicode text are trimmed and checked alike",
        arguments: [
            ("L1 wedge fracture", "L1 wedge fracture"), (" \tL1 wedge fracture\n", "L1 wedge fracture"),
            ("30% height loss\nSTIR edema", "30% height loss\nSTIR edema"), ("\u{00A0}Zoë\u{00A0}", "Zoë"),
            ("Müller-Lüdenscheidt", "Müller-Lüdenscheidt"),
        ])
    func boundedTextTrimming(raw: String, stored: String) throws {
        #expect(try BoundedText(raw, maxLength: 100).value == stored)
    }

    @Test(
        "control characters and over-long text are refused on every path",
        arguments: ["L1\u{7F}", "L1\u{1B}[2J", "\u{0}", "   ", "\u{85}L1\u{0}", String(repeating: "é", count: 11)])
    func boundedTextRefusals(raw: String) {
        #expect(throws: ValidationError.self) { try BoundedText(raw, maxLength: 10) }
    }

    @Test("clinic zones must be IANA names", arguments: ["America/Denver", "America/Phoenix", "UTC"])
    func zonesAccepted(zone: String) throws {
        #expect(try ClinicTimeZone(zone).identifier == zone)
    }

    @Test("abbreviations and unknown zones are refused", arguments: ["MST", "Mars/Olympus", ""])
    func zonesRefused(zone: String) {
        #expect(throws: ValidationError.self) { try ClinicTimeZone(zone) }
    }

    @Test("a clinic's day is its own zone's date, not UTC's")
    func clinicToday() throws {
        let clinic = Clinic(
            id: .random(), name: try BoundedText("Desert Spine Center", maxLength: 200),
            timeZone: try ClinicTimeZone("America/Phoenix"))
        // 2026-11-26 03:00 UTC is still the 25th in Phoenix (UTC-7).
        let instant = try Date("2026-11-26T03:00:00Z", strategy: .iso8601)
        #expect(clinic.today(at: instant).description == "2026-11-25")
    }

    @Test("an NPI is ten digits")
    func npi() {
        #expect(throws: ValidationError.self) { try ReferringClinician(name: "Dr. Ortiz", npi: "12345") }
        #expect(throws: ValidationError.self) { try ReferringClinician(name: "Dr. Ortiz", npi: "12345６7890") }
        #expect((try? ReferringClinician(name: "Dr. Ortiz", npi: "1234567893")) != nil)
    }
}

@Suite("RFC 3339 instants")
struct RFC3339Tests {
    @Test("offsets up to ±23:59, fractions, and both ends of years 0000-9999 are read")
    func accepted() throws {
        #expect(RFC3339.instant("2026-11-25T09:30:00-07:00") == Date(timeIntervalSince1970: 1_795_624_200))
        #expect(RFC3339.instant("0983-07-29T23:11:51+22:33") != nil)
        #expect(RFC3339.instant("9999-12-31T23:59:59.999Z") != nil)
        #expect(RFC3339.instant("0000-01-01T00:00:00Z") != nil)
    }

    @Test(
        "instants that fall outside years 0000-9999 in UTC, however written, are refused",
        arguments: [
            "9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+00:01", "10000-01-01T00:00:00Z",
            "+275760-09-13T00:00:00Z",
            "2026-11-25T09:30:00+24:00", "2026-02-30T00:00:00Z", "2026-11-25", "2026-11-25T09:30:00",
        ])
    func refused(text: String) {
        #expect(RFC3339.instant(text) == nil)
    }

    @Test("instants are written as Foundation's ISO 8601 style writes them, milliseconds and leap days included")
    func writtenLikeFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        var instants = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 1_795_624_200.9996), Date(timeIntervalSince1970: 4_107_542_399.001),
            Date.storableRange.upperBound, Date(timeIntervalSince1970: -1),
            try #require(RFC3339.instant("1582-10-15T00:00:00Z")),
        ]
        for _ in 0..<5000 {
            instants.append(Date(timeIntervalSince1970: Double.random(in: 0...253_402_300_799, using: &generator)))
        }
        for instant in instants {
            #expect(
                RFC3339.format(instant) == RFC3339.foundationFormat(instant),
                "\(instant.timeIntervalSince1970)" as Comment)
        }
    }
}
