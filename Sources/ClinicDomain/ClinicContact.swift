import Foundation

/// How patients reach a clinic: what its published Location carries (SMART Scheduling Links
/// asks for a phone, a web page and a postal address). Every part is optional; what is given is
/// checked.
public struct ClinicContact: Hashable, Sendable {
    /// The booking line, with its extension if any (`+1-480-555-0142 ext. 2`).
    public let phone: BoundedText?
    /// The clinic's web page for patients, http or https.
    public let website: String?
    /// Street lines, one or two.
    public let addressLines: [BoundedText]
    public let city: BoundedText?
    /// State or province, e.g. `AZ`.
    public let state: BoundedText?
    public let postalCode: BoundedText?
    /// ISO 3166 country code, e.g. `US`.
    public let country: BoundedText?

    public static let none = ClinicContact(
        storedPhone: nil, website: nil, addressLines: [], city: nil, state: nil, postalCode: nil, country: nil)

    /// Validates contact details as a client sends them; empty strings count as absent.
    public init(
        phone: String?, website: String?, addressLines: [String], city: String?, state: String?, postalCode: String?,
        country: String?
    ) throws {
        var collector = ViolationCollector()
        func text(_ value: String?, _ pointer: String, _ maximum: Int) -> BoundedText? {
            guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return collector.check(pointer) { try BoundedText(value, maxLength: maximum) }
        }
        let phone = text(phone, "/phone", 40)
        if let phone, !phone.value.contains(where: \.isNumber) {
            collector.add("/phone", "must contain a telephone number")
        }
        var site: String?
        if let website, !website.isEmpty {
            if website.count <= 200, let url = URL(string: website),
                ["http", "https"].contains(url.scheme?.lowercased()),
                url.host?.isEmpty == false
            {
                site = website
            } else {
                collector.add("/website", "must be an http or https URL of at most 200 characters")
            }
        }
        if addressLines.count > 2 { collector.add("/address/lines", "must have at most 2 lines") }
        let lines = addressLines.prefix(2).enumerated().compactMap { index, line in
            text(line, "/address/lines/\(index)", 100)
        }
        let city = text(city, "/address/city", 100)
        let state = text(state, "/address/state", 50)
        let postalCode = text(postalCode, "/address/postalCode", 20)
        let country = text(country, "/address/country", 2)
        if let country, !country.value.allSatisfy({ $0.isASCII && $0.isUppercase }) || country.value.count != 2 {
            collector.add("/address/country", "must be a two-letter ISO 3166 code such as US")
        }
        try collector.throwIfAny()
        self.init(
            storedPhone: phone, website: site, addressLines: lines, city: city, state: state, postalCode: postalCode,
            country: country)
    }

    /// Assembles contact details that are already valid (as read back from storage).
    public init(
        storedPhone phone: BoundedText?, website: String?, addressLines: [BoundedText], city: BoundedText?,
        state: BoundedText?,
        postalCode: BoundedText?, country: BoundedText?
    ) {
        self.phone = phone
        self.website = website
        self.addressLines = addressLines
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
    }

    /// Whether any postal address part is known.
    public var hasAddress: Bool { !addressLines.isEmpty || city != nil || state != nil || postalCode != nil }
}
