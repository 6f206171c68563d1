import Foundation

/// Whole-day durations (referral to evaluation, say) as a frequency table: how many took 0 days,
/// 1 day, and so on. A table is as small as the range of values, however long the history behind
/// it, which is what lets the nightly report aggregate in the database and stay flat in memory.
public struct DayDistribution: Sendable {
    /// Count per number of days, sorted by days; no negative days, no empty counts.
    public let counts: [(days: Int, count: Int)]
    public let total: Int

    public init(_ table: [Int: Int]) {
        counts = table.filter { $0.key >= 0 && $0.value > 0 }.sorted { $0.key < $1.key }.map {
            (days: $0.key, count: $0.value)
        }
        total = counts.reduce(0) { $0 + $1.count }
    }

    /// The `fraction` percentile (0...1), interpolated between neighbouring values like
    /// PostgreSQL's `percentile_cont`: the median of 3 and 4 days is 3.5. `nil` when empty.
    public func percentile(_ fraction: Double) -> Double? {
        guard total > 0 else { return nil }
        let position = Double(total - 1) * min(max(fraction, 0), 1)
        let lower = value(at: Int(position.rounded(.down)))
        let upper = value(at: Int(position.rounded(.up)))
        return Double(lower) + (position - position.rounded(.down)) * Double(upper - lower)
    }

    /// How many durations fall in `minDays...maxDays` (no upper bound when `maxDays` is nil).
    public func count(from minDays: Int, through maxDays: Int?) -> Int {
        counts.filter { entry in entry.days >= minDays && entry.days <= (maxDays ?? Int.max) }.reduce(0) {
            $0 + $1.count
        }
    }

    /// The value at a 0-based rank in the sorted list the table stands for.
    private func value(at rank: Int) -> Int {
        var seen = 0
        for entry in counts {
            seen += entry.count
            if rank < seen { return entry.days }
        }
        return counts.last?.days ?? 0
    }
}
