import Foundation

/// How much of a room's or a clinician's offered time is booked, per day in the clinic's zone.
public enum Utilisation {
    /// One day's figures: minutes the weekly template offers less blocks, and minutes booked.
    public struct Day: Hashable, Sendable {
        public let date: LocalDate
        public let availableMinutes: Int
        public let bookedMinutes: Int

        /// Booked over available, in percent with one decimal; `nil` when nothing was offered.
        /// Above 100 when overbooked or booked outside the template.
        public var percent: Double? {
            availableMinutes > 0 ? (Double(bookedMinutes) * 1000 / Double(availableMinutes)).rounded() / 10 : nil
        }
    }

    /// Each date's figures. Windows are wall-clock times, so a day on which clocks change still
    /// offers its template's minutes unless a window spans the change; booked time is counted
    /// within the day's own midnight-to-midnight, which is 23 or 25 hours long on those days.
    public static func days(
        _ dates: [LocalDate], zone: ClinicTimeZone, weekly: [WeeklyWindow],
        blocks: [Range<Date>], booked: [Range<Date>]
    ) -> [Day] {
        let calendar = zone.calendar
        let blocked = union(blocks)
        let taken = union(booked)
        return dates.map { date in
            let weekday = Availability.isoWeekday(date, calendar)
            // A window whose start or end the clocks skip offers nothing that day, as in the search.
            let offered = weekly.filter { $0.weekday == weekday }.compactMap { window -> Range<Date>? in
                guard let start = Availability.instant(date, window.starts, calendar),
                    let end = Availability.instant(date, window.ends, calendar), start < end
                else { return nil }
                return start..<end
            }
            let available = subtract(union(offered), blocked)
            let day = zone.startOfDay(date)..<zone.startOfDay(date.adding(days: 1))
            let bookedToday = taken.compactMap { clamp($0, to: day) }
            return Day(date: date, availableMinutes: minutes(available), bookedMinutes: minutes(bookedToday))
        }
    }

    private static func minutes(_ ranges: [Range<Date>]) -> Int {
        Int((ranges.reduce(0) { $0 + $1.upperBound.timeIntervalSince($1.lowerBound) } / 60).rounded())
    }

    private static func clamp(_ range: Range<Date>, to bounds: Range<Date>) -> Range<Date>? {
        let lower = max(range.lowerBound, bounds.lowerBound)
        let upper = min(range.upperBound, bounds.upperBound)
        return lower < upper ? lower..<upper : nil
    }

    /// Sorted, non-overlapping ranges covering the same instants.
    static func union(_ ranges: [Range<Date>]) -> [Range<Date>] {
        var merged: [Range<Date>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// `ranges` less every instant in `holes` (both sorted and disjoint).
    static func subtract(_ ranges: [Range<Date>], _ holes: [Range<Date>]) -> [Range<Date>] {
        ranges.flatMap { range -> [Range<Date>] in
            var pieces: [Range<Date>] = []
            var start = range.lowerBound
            for hole in holes where hole.upperBound > start && hole.lowerBound < range.upperBound {
                if hole.lowerBound > start { pieces.append(start..<hole.lowerBound) }
                start = max(start, hole.upperBound)
            }
            if start < range.upperBound { pieces.append(start..<range.upperBound) }
            return pieces
        }
    }
}
