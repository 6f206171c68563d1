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
            guard let value, !value.isEmpty else { return nil }
            // Counted as the database and the document count: code points, not characters.
            guard value.unicodeScalars.count <= maximum else {
                collector.add(pointer, "must be at most \(maximum) characters")
                return nil
            }
            return collector.check(pointer) { try BoundedText(value, maxLength: maximum) }
        }
        let phone = text(phone, "/phone", 40)
        if let phone, !phone.value.contains(where: \.isNumber) {
            collector.add("/phone", "must contain a telephone number")
        }
        var site: String?
        if let website, !website.isEmpty {
            if website.utf8.count <= 200, Self.isWebAddress(website) {
                site = website
            } else {
                collector.add("/website", "must be an http or https URL of at most 200 printable ASCII characters")
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

    /// `http(s)://host[:port][/?#...]`: a host of letters, digits, dots and hyphens, then printable
    /// ASCII only (what openapi.yaml's pattern says).
    static func isWebAddress(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let schemes = [Array("http://".utf8), Array("https://".utf8)]
        guard let scheme = schemes.first(where: { bytes.starts(with: $0) }) else { return false }
        let rest = bytes.dropFirst(scheme.count)
        let isHost: (UInt8) -> Bool = { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        let host = rest.prefix(while: isHost)
        guard !host.isEmpty else { return false }
        var tail = rest.dropFirst(host.count)
        if tail.first == UInt8(ascii: ":") {
            let port = tail.dropFirst().prefix { (0x30...0x39).contains($0) }
            guard (1...5).contains(port.count) else { return false }
            tail = tail.dropFirst(1 + port.count)
        }
        guard let first = tail.first else { return true }
        return [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(first)
            && tail.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Whether any postal address part is known.
    public var hasAddress: Bool { !addressLines.isEmpty || city != nil || state != nil || postalCode != nil }
}
