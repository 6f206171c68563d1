import Foundation
import Synchronization

/// A clock a test moves forward: the real time plus an offset the test sets, so that an hour's
/// wait (an offer's expiry, a hold's) is one call, through the same `now` the services use.
public final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    /// The clock's current instant; pass `clock.now` where a service takes `now`.
    @Sendable public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
