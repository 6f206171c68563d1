import ClinicDomain
import ClinicServices
import Foundation
import Synchronization

/// The instant the services read as "now" while a simulation replays the past.
///
/// The services take a `@Sendable` clock closure; a `Mutex` makes the box Sendable without any
/// unchecked conformance, and the simulation is its only writer.
public final class SimulatedClock: Sendable {
    private let instant: Mutex<Date>

    public init(_ start: Date) { instant = Mutex(start) }

    public var now: Date { instant.withLock { $0 } }

    public func set(_ date: Date) { instant.withLock { $0 = date } }
}
