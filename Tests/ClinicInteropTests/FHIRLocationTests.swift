import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRLocationTests {
    @Test func locationIsTheClinicWithPhoneAndAddress() throws {
        let address = FHIRAddress(
            line: ["1600 Clarkson St", "Suite 210"], city: "Denver", state: "CO", postalCode: "80218")
        let json = try FHIRFixtures.json(
            FHIRLocation(clinic: try FHIRFixtures.clinic(), phone: "+1-303-555-0142", address: address))
        #expect(json.string("resourceType") == "Location")
        #expect(json.string("id") == FHIRFixtures.clinicID.description)
        #expect(json.string("name") == "Front Range Spine Clinic")
        #expect(json.string("status") == "active")
        #expect(json.objects("telecom").first?.string("system") == "phone")
        #expect(json.objects("telecom").first?.string("value") == "+1-303-555-0142")
        #expect(json.object("address")?["line"] as? [String] == ["1600 Clarkson St", "Suite 210"])
        #expect(json.object("address")?.string("postalCode") == "80218")
    }

    @Test func noAddressOrPhoneIsInvented() throws {
        let json = try FHIRFixtures.json(FHIRLocation(clinic: try FHIRFixtures.clinic()))
        #expect(json["telecom"] == nil)
        #expect(json["address"] == nil)
    }

    @Test func blankAddressIsLeftOut() throws {
        let blank = FHIRAddress(line: [" "], city: "", state: nil, postalCode: nil)
        let json = try FHIRFixtures.json(FHIRLocation(clinic: try FHIRFixtures.clinic(), address: blank))
        #expect(json["address"] == nil)
    }
}
