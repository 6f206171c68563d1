import Foundation

/// When a resource works in a week: wall-clock windows in the clinic's zone per ISO weekday.
public struct WeeklyWindow: Hashable, Sendable {
    public let weekday: Int
    public let starts: LocalTime
    public let ends: LocalTime

    public init(weekday: Int, starts: LocalTime, ends: LocalTime) throws {
        guard (1...7).contains(weekday) else {
            throw ValidationError(pointer: "/weekday", message: "must be 1 (Monday) to 7 (Sunday)")
        }
        guard starts < ends else { throw ValidationError(pointer: "/ends", message: "must be after the start") }
        self.weekday = weekday
        self.starts = starts
        self.ends = ends
    }
}

/// One bookable resource as the search sees it: its weekly windows, and the instants it is taken
/// (blocks such as leave or maintenance, and live bookings and holds), as half-open intervals.
public struct ResourceCalendar: Hashable, Sendable {
    public let id: ResourceID
    public let kind: ResourceKind
    public let weekly: [WeeklyWindow]
    public let busy: [Range<Date>]

    public init(id: ResourceID, kind: ResourceKind, weekly: [WeeklyWindow], busy: [Range<Date>]) {
        self.id = id
        self.kind = kind
        self.weekly = weekly
        self.busy = busy
    }
}

/// What a visit needs: one resource of each kind for `minutes`, then `afterMinutes` (recovery
/// observation) that must also end before the clinic closes, because the patient goes home that day.
public struct VisitRequirement: Hashable, Sendable {
    public let kinds: [ResourceKind]
    public let minutes: Int
    public let afterMinutes: Int

    public init(kinds: [ResourceKind], minutes: Int, afterMinutes: Int = 0) {
        self.kinds = kinds
        self.minutes = minutes
        self.afterMinutes = afterMinutes
    }
}

/// A start time at which every needed resource is free for the whole visit.
public struct AvailableSlot: Hashable, Sendable {
    public let start: Date
    public let end: Date
    /// One resource per needed kind, in the requirement's order.
    public let resources: [ResourceID]
}

/// Availability computed from opening hours, weekly templates, blocks and bookings; never from
/// pre-stored slots. Wall-clock times are turned into instants per calendar day in the clinic's
/// zone, so a DST change moves nothing a clinic would not expect and a skipped hour offers nothing.
public enum Availability {
    public static func search(
        zone: ClinicTimeZone, hours: [OpeningHours], resources: [ResourceCalendar],
        requirement: VisitRequirement, from: Date, to: Date, limit: Int,
        stepMinutes: Int = 15
    ) -> [AvailableSlot] {
        let calendar = zone.calendar
        var slots: [AvailableSlot] = []
        var day = LocalDate(from, in: zone.zone)
        let lastDay = LocalDate(to, in: zone.zone)
        while day <= lastDay, slots.count < limit {
            defer { day = day.adding(days: 1) }
            let weekday = isoWeekday(day, calendar)
            guard let open = hours.first(where: { $0.weekday == weekday }),
                let closes = instant(day, open.closes, calendar)
            else { continue }
            var minute = open.opens.minutesSinceMidnight
            while minute + requirement.minutes + requirement.afterMinutes <= open.closes.minutesSinceMidnight,
                slots.count < limit
            {
                defer { minute += stepMinutes }
                guard let wall = try? LocalTime(hour: minute / 60, minute: minute % 60),
                    let start = instant(day, wall, calendar)
                else { continue }
                let end = start.addingTimeInterval(Double(requirement.minutes) * 60)
                let stayEnd = end.addingTimeInterval(Double(requirement.afterMinutes) * 60)
                guard start >= from, end <= to, stayEnd <= closes else { continue }
                let chosen = pick(resources, requirement, day: day, weekday: weekday, from: start, to: end, calendar)
                if let chosen {
                    slots.append(AvailableSlot(start: start, end: end, resources: chosen))
                }
            }
        }
        return slots
    }

    /// Whether a visit can start exactly at `start`: within opening hours with its stay ending by
    /// closing, and one working, free resource of each needed kind (from `resources`, in order).
    public static func fit(
        at start: Date, zone: ClinicTimeZone, hours: [OpeningHours], resources: [ResourceCalendar],
        requirement: VisitRequirement
    ) -> AvailableSlot? {
        let calendar = zone.calendar
        let day = LocalDate(start, in: zone.zone)
        let weekday = isoWeekday(day, calendar)
        guard let open = hours.first(where: { $0.weekday == weekday }),
            let opens = instant(day, open.opens, calendar), let closes = instant(day, open.closes, calendar)
        else { return nil }
        let end = start.addingTimeInterval(Double(requirement.minutes) * 60)
        guard start >= opens, end.addingTimeInterval(Double(requirement.afterMinutes) * 60) <= closes,
            let chosen = pick(resources, requirement, day: day, weekday: weekday, from: start, to: end, calendar)
        else { return nil }
        return AvailableSlot(start: start, end: end, resources: chosen)
    }

    /// The first working, free resource of each needed kind, or nil when a kind has none.
    private static func pick(
        _ resources: [ResourceCalendar], _ requirement: VisitRequirement, day: LocalDate, weekday: Int,
        from start: Date, to end: Date, _ calendar: Calendar
    ) -> [ResourceID]? {
        var chosen: [ResourceID] = []
        for kind in requirement.kinds {
            let free = resources.first { resource in
                resource.kind == kind && !chosen.contains(resource.id)
                    && works(resource, day: day, weekday: weekday, from: start, to: end, calendar)
                    && !resource.busy.contains { $0.overlaps(start..<end) }
            }
            guard let free else { return nil }
            chosen.append(free.id)
        }
        return chosen
    }

    /// Whether one of the resource's windows that day covers the whole interval.
    private static func works(
        _ resource: ResourceCalendar, day: LocalDate, weekday: Int, from: Date, to: Date,
        _ calendar: Calendar
    ) -> Bool {
        resource.weekly.contains { window in
            guard window.weekday == weekday, let starts = instant(day, window.starts, calendar),
                let ends = instant(day, window.ends, calendar)
            else { return false }
            return starts <= from && to <= ends
        }
    }

    /// The instant a wall-clock time happens on a date in the zone; nil when DST skips it.
    static func instant(_ day: LocalDate, _ time: LocalTime, _ calendar: Calendar) -> Date? {
        let components = DateComponents(
            year: day.year, month: day.month, day: day.day,
            hour: time.minutesSinceMidnight / 60, minute: time.minutesSinceMidnight % 60)
        guard let date = calendar.date(from: components) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard back.year == day.year, back.month == day.month, back.day == day.day,
            back.hour == components.hour, back.minute == components.minute
        else { return nil }
        return date
    }

    /// ISO weekday, 1 = Monday ... 7 = Sunday.
    static func isoWeekday(_ day: LocalDate, _ calendar: Calendar) -> Int {
        let noon = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!
        let gregorian = calendar.component(.weekday, from: noon)  // 1 = Sunday
        return gregorian == 1 ? 7 : gregorian - 1
    }
}
