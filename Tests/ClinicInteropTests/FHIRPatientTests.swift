import ClinicDomain
import ClinicInterop
import Foundation
import Testing

@Suite struct FHIRPatientTests {
    @Test func patientCarriesIdNameBirthDateAndGender() throws {
        let json = try FHIRFixtures.json(FHIRPatient(patient: try FHIRFixtures.patient()))
        #expect(json.string("resourceType") == "Patient")
        #expect(json.string("id") == FHIRFixtures.patientID.description)
        #expect(json.string("birthDate") == "1957-05-14")
        #expect(json.string("gender") == "female")
        let name = try #require(json.objects("name").first)
        #expect(name.string("family") == "Hill")
        #expect(name["given"] as? [String] == ["Margaret"])
    }

    @Test func mrnIsTypedMRInTheClinicsNamespace() throws {
        let json = try FHIRFixtures.json(FHIRPatient(patient: try FHIRFixtures.patient()))
        let identifier = try #require(json.objects("identifier").first)
        #expect(identifier.string("value") == "00012345")
        #expect(identifier.string("system") == "urn:clinic:\(FHIRFixtures.clinicID):mrn")
        let coding = try #require(identifier.object("type")?.objects("coding").first)
        #expect(coding.string("system") == "http://terminology.hl7.org/CodeSystem/v2-0203")
        #expect(coding.string("code") == "MR")
    }

    @Test func everyAdministrativeSexMapsToItsFHIRGender() {
        let expected: [AdministrativeSex: String] = [
            .female: "female", .male: "male", .other: "other", .unknown: "unknown",
        ]
        for sex in AdministrativeSex.allCases {
            #expect(FHIRPatient.gender(sex) == expected[sex])
        }
    }

    @Test func managingOrganizationIsLeftOut() throws {
        let json = try FHIRFixtures.json(FHIRPatient(patient: try FHIRFixtures.patient()))
        #expect(json["managingOrganization"] == nil)
    }
}
