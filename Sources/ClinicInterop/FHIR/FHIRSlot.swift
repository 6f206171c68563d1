import ClinicDomain
import Foundation

/// FHIR R4 Slot as SMART Scheduling Links publishes it: free or busy time on a schedule, with
/// the clinic's offset on its times and where to book it.
public struct FHIRSlot: Encodable, Sendable, Hashable {
    /// The two Slot statuses SMART Scheduling Links publishes.
    public enum Status: String, Encodable, Sendable, Hashable, CaseIterable {
        case free
        case busy
    }

    public let resourceType = "Slot"
    public var id: String
    public var extension_: [FHIRExtension]?
    public var schedule: FHIRReference
    public var status: Status
    public var start: String
    public var end: String

    /// - Parameter id: the slot's id when the caller has made it unique (two visits starting in
    ///   one minute); by default `FHIRIDs.slot(scheduleID:start:)`.
    /// - Throws: `FHIRInvalidID` when the id is no valid FHIR id (see `FHIRIDs.slot(scheduleID:start:)`).
    public init(
        id: String? = nil, scheduleID: String, start: Date, end: Date, status: Status, zone: TimeZone,
        bookingLink: URL?, bookingPhone: String?
    ) throws(FHIRInvalidID) {
        guard let id = id ?? FHIRIDs.slot(scheduleID: scheduleID, start: start), FHIRIDs.isValid(id),
            Date.storableRange.contains(start), Date.storableRange.contains(end)
        else {
            throw FHIRInvalidID(id: id ?? scheduleID)
        }
        self.id = id
        var extensions: [FHIRExtension] = []
        if let bookingLink {
            extensions.append(
                FHIRExtension(url: FHIRExtensionURL.bookingDeepLink, value: .url(bookingLink.absoluteString)))
        }
        if let phone = bookingPhone.nonEmptyFHIRString {
            extensions.append(FHIRExtension(url: FHIRExtensionURL.bookingPhone, value: .string(phone)))
        }
        extension_ = extensions.nonEmptyFHIRArray
        schedule = .to("Schedule", scheduleID)
        self.status = status
        self.start = FHIRInstant.local(start, in: zone)
        self.end = FHIRInstant.local(end, in: zone)
    }

    private enum CodingKeys: String, CodingKey {
        case resourceType, id, schedule, status, start, end
        case extension_ = "extension"
    }
}
