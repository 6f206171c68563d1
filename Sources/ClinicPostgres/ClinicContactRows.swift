import ClinicDomain
import Foundation
import PostgresNIO

/// A clinic's contact columns, read as one JSON value so every clinic read carries them in
/// one more column rather than seven.
enum ClinicContactRows {
    /// The select-list expression; the table must be `clinics` (or aliased so).
    static let column = """
        json_build_object('phone', phone, 'website', website, 'lines', address_lines, 'city', address_city,
                          'state', address_state, 'postalCode', address_postal_code, 'country', address_country)::text
        """

    private struct Stored: Decodable {
        let phone: String?
        let website: String?
        let lines: [String]?
        let city: String?
        let state: String?
        let postalCode: String?
        let country: String?
    }

    /// The contact from the column's text (already valid when written).
    static func decode(_ text: String) throws -> ClinicContact {
        let stored = try JSONDecoder().decode(Stored.self, from: Data(text.utf8))
        func bounded(_ value: String?, _ maximum: Int) throws -> BoundedText? {
            try value.map { try BoundedText($0, maxLength: maximum) }
        }
        return ClinicContact(
            storedPhone: try bounded(stored.phone, 40), website: stored.website,
            addressLines: try (stored.lines ?? []).map { try BoundedText($0, maxLength: 100) },
            city: try bounded(stored.city, 100), state: try bounded(stored.state, 50),
            postalCode: try bounded(stored.postalCode, 20), country: try bounded(stored.country, 2))
    }
}
