import ClinicDomain
import Foundation

/// What a deployment adds to the availability it publishes (SMART Scheduling Links, FHIR Slot):
/// where a patient books a free slot and whom they call.
public struct SMARTPublishing: Sendable {
    /// The booking site's page; each free slot links to it with `?slot=<slot id>` added (the id
    /// names the clinic, the visit kind and the start).
    public var bookingURL: URL?
    /// The number patients call to book, with its extension (`+1-303-555-0100 ext. 2`).
    public var bookingPhone: String?
    /// How long clients may reuse the manifest and files.
    public var cacheSeconds: Int

    public init(bookingURL: URL? = nil, bookingPhone: String? = nil, cacheSeconds: Int = 300) {
        self.bookingURL = bookingURL
        self.bookingPhone = bookingPhone
        self.cacheSeconds = cacheSeconds
    }

    /// The deep link for one free slot.
    func bookingLink(slotID: String) -> URL? {
        guard let bookingURL, var components = URLComponents(url: bookingURL, resolvingAgainstBaseURL: false) else {
            return nil
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "slot", value: slotID)]
        return components.url
    }
}
