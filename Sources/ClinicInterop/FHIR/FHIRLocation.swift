import ClinicDomain
import Foundation

/// FHIR R4 Location for a clinic: where its schedules' visits happen.
///
/// SMART Scheduling Links asks every Location for a phone number and a full postal address. The
/// clinic record holds neither, so they are parameters, and left out when not given rather than invented.
public struct FHIRLocation: Encodable, Sendable, Hashable {
    public let resourceType = "Location"
    public var id: String
    public var status: String
    public var name: String
    public var description: String?
    public var mode: String
    public var telecom: [FHIRContactPoint]?
    public var address: FHIRAddress?

    public init(clinic: Clinic, phone: String? = nil, address: FHIRAddress? = nil, description: String? = nil) {
        id = clinic.id.description
        status = "active"
        name = clinic.name.value
        self.description = description.nonEmptyFHIRString
        mode = "instance"
        telecom = phone.nonEmptyFHIRString.map { [.phone($0)] }
        // An address with no element set would be an empty object, which FHIR forbids.
        if let address,
            address.line != nil || address.city != nil || address.state != nil
                || address.postalCode != nil || address.district != nil || address.country != nil
        {
            self.address = address
        } else {
            self.address = nil
        }
    }
}
