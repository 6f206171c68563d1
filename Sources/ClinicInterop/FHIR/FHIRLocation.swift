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

    /// The clinic with its own contact details (phone, web page, address); `phone` stands in
    /// when the clinic has no phone of its own.
    public init(clinic: Clinic, phone fallbackPhone: String?) {
        let contact = clinic.contact
        let address =
            contact.hasAddress
            ? FHIRAddress(
                line: contact.addressLines.map(\.value), city: contact.city?.value, state: contact.state?.value,
                postalCode: contact.postalCode?.value, country: contact.country?.value) : nil
        self.init(
            clinic: clinic, phone: contact.phone?.value ?? fallbackPhone, website: contact.website, address: address)
    }

    public init(
        clinic: Clinic, phone: String? = nil, website: String? = nil, address: FHIRAddress? = nil,
        description: String? = nil
    ) {
        id = clinic.id.description
        status = "active"
        name = clinic.name.value
        self.description = description.nonEmptyFHIRString
        mode = "instance"
        let telecom =
            [
                phone.nonEmptyFHIRString.map(FHIRContactPoint.phone),
                website.nonEmptyFHIRString.map(FHIRContactPoint.url),
            ]
            .compactMap { $0 }
        self.telecom = telecom.nonEmptyFHIRArray
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
