import ClinicDomain
import Foundation

/// A stretch of one clinic's visit time as published outside (FHIR Slot, SMART Scheduling
/// Links): free to book, or taken by a visit. Names nobody.
public struct PublishedSlot: Hashable, Sendable {
    public let start: Date
    public let end: Date
    public let isFree: Bool
}

extension SchedulingService {
    /// How many days a published window may span: a month of slots is what a booking site shows.
    public static let maximumPublishedDays = 31

    /// Free and busy slots of a clinic's visit kind between `from` and `to`, by start.
    ///
    /// Free slots are the availability search's start times for the kind's shortest visit (a
    /// procedure of one level under local anesthesia), taken one after another so that no two
    /// overlap: a booking site offers times a patient can pick, not every quarter hour a room
    /// could start. Busy slots are the visits of that kind booked (or held) in the window.
    public func publishedSlots(
        clinicID: ClinicID, kind: VisitKind, from: Date, to: Date, now: Date, scope: ClinicScope
    ) async throws -> [PublishedSlot] {
        guard to > from else { return [] }
        guard let clinic = try await setup.clinicSetup(id: clinicID) else {
            throw ServiceError.notFound(entity: "clinic")
        }
        let from = max(from, now)
        guard to > from else { return [] }
        let rows = try await store.calendars(clinicID: clinicID, from: from, to: to, now: now, scope: scope)
        let candidates = Availability.search(
            zone: clinic.clinic.timeZone, hours: clinic.hours, resources: rows.map(\.calendar),
            requirement: kind.requirement(clinic), from: from, to: to, limit: Self.maximumPublishedStarts)
        var free: [PublishedSlot] = []
        for slot in candidates where free.last.map({ slot.start >= $0.end }) ?? true {
            free.append(PublishedSlot(start: slot.start, end: slot.end, isFree: true))
        }
        let busy = try await store.appointments(clinicID: clinicID, from: from, to: to, scope: scope)
            .map(\.0)
            .filter { $0.kind == kind && $0.state != .noShow && $0.start >= from && $0.start < to }
            // A lapsed hold keeps nobody out (the booking transaction clears it).
            .filter { $0.state != .held || ($0.holdExpiresAt ?? .distantPast) > now }
            .map { PublishedSlot(start: $0.start, end: $0.end, isFree: false) }
        return (free + busy).sorted { ($0.start, $0.isFree ? 0 : 1) < ($1.start, $1.isFree ? 0 : 1) }
    }

    /// Enough quarter-hour starts for a month of one clinic's opening hours.
    static let maximumPublishedStarts = 31 * 4 * 24
}
