import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRAppointmentTests {
    @Test func appointmentHasTimesLengthAndReferral() throws {
        let resource = FHIRAppointment(
            appointment: try FHIRFixtures.appointment(), patientID: FHIRFixtures.patientID,
            zone: try FHIRFixtures.clinic().timeZone.zone)
        let json = try FHIRFixtures.json(resource)
        #expect(json.string("resourceType") == "Appointment")
        #expect(json.string("status") == "booked")
        #expect(json.string("start") == "2026-03-16T08:00:00-06:00")
        #expect(json.string("end") == "2026-03-16T09:15:00-06:00")
        #expect(json["minutesDuration"] as? Int == 75)
        #expect(json.objects("basedOn").first?.string("reference") == "ServiceRequest/\(FHIRFixtures.referralID)")
        #expect(json.objects("serviceType").first?.string("text") == "Kyphoplasty procedure")
        #expect(json.object("appointmentType")?.string("text") == "Kyphoplasty procedure")
    }

    @Test func timesAreUTCWithoutAZone() throws {
        let resource = FHIRAppointment(appointment: try FHIRFixtures.appointment(), patientID: FHIRFixtures.patientID)
        #expect(resource.start == "2026-03-16T14:00:00Z")
    }

    @Test func participantsArePatientRoomAndProceduralist() throws {
        let json = try FHIRFixtures.json(
            FHIRAppointment(appointment: try FHIRFixtures.appointment(), patientID: FHIRFixtures.patientID))
        let actors = json.objects("participant").map { $0.object("actor")?.string("reference") }
        #expect(
            actors == [
                "Patient/\(FHIRFixtures.patientID)", "Location/\(FHIRFixtures.roomID)",
                "Practitioner/\(FHIRFixtures.proceduralistID)",
            ])
        #expect(json.objects("participant").allSatisfy { $0.string("status") == "accepted" })
        #expect(json.objects("participant")[2].object("actor")?.string("display") == "Dr. Priya Natarajan")
    }

    @Test func statusTableCoversEveryState() {
        let expected: [AppointmentState: String] = [
            .held: "pending", .booked: "booked", .confirmed: "booked", .checkedIn: "checked-in",
            .completed: "fulfilled", .cancelled: "cancelled", .noShow: "noshow",
        ]
        for state in AppointmentState.allCases {
            #expect(FHIRAppointment.status(state) == expected[state], "\(state)")
        }
    }

    @Test func cancelledAppointmentCarriesItsReason() throws {
        let appointment = try FHIRFixtures.appointment(state: .cancelled, cancelReason: "INR 2.4 on the morning check")
        let json = try FHIRFixtures.json(FHIRAppointment(appointment: appointment, patientID: FHIRFixtures.patientID))
        #expect(json.object("cancelationReason")?.string("text") == "INR 2.4 on the morning check")
    }

    @Test func bookedAppointmentHasNoCancellationReason() throws {
        let appointment = try FHIRFixtures.appointment(state: .booked, cancelReason: "left over")
        let json = try FHIRFixtures.json(FHIRAppointment(appointment: appointment, patientID: FHIRFixtures.patientID))
        #expect(json["cancelationReason"] == nil)
    }

    @Test func overbookReasonIsTheComment() throws {
        let appointment = try FHIRFixtures.appointment(overbook: "Hospitalised patient, pain NRS 9")
        let json = try FHIRFixtures.json(FHIRAppointment(appointment: appointment, patientID: FHIRFixtures.patientID))
        #expect(json.string("comment") == "Overbooked: Hospitalised patient, pain NRS 9")
    }
}
