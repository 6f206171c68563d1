import Foundation

extension Duration {
    /// Seconds as Foundation counts them, for adding to a `Date`.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds, cut, e.g. for a statement timeout or a duration logged.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
