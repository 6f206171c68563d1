import ClinicDomain
import Foundation

/// One resource's week and what takes its time: the nightly report's utilisation keeps blocks and
/// bookings apart, availability and the waitlist see both as busy time.
public struct ResourceUsageRow: Sendable, Hashable {
    public let resource: Resource
    public let weekly: [WeeklyWindow]
    public let blocks: [Range<Date>]
    public let booked: [Range<Date>]

    public init(resource: Resource, weekly: [WeeklyWindow], blocks: [Range<Date>], booked: [Range<Date>]) {
        self.resource = resource
        self.weekly = weekly
        self.blocks = blocks
        self.booked = booked
    }

    /// The resource's calendar as a search fits visits into it.
    public var calendar: ResourceCalendar {
        ResourceCalendar(id: resource.id, kind: resource.kind, weekly: weekly, busy: blocks + booked)
    }
}
