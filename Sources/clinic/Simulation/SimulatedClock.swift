import ClinicDomain
import ClinicServices
import Foundation
import Synchronization

/// The instant the services read as "now" while a simulation replays the past.
///
/// The services take a `@Sendable` clock closure; a `Mutex` makes the box Sendable without any
/// unchecked conformance, and the simulation is its only writer.
final class SimulatedClock: Sendable {
    private let instant: Mutex<Date>

    init(_ start: Date) { instant = Mutex(start) }

    var now: Date { instant.withLock { $0 } }

    func set(_ date: Date) { instant.withLock { $0 = date } }
}
