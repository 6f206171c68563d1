import ClinicDomain
import Foundation

/// The editable fields of `PATCH /v1/referrals/{id}`, as sent; nil means "leave as is".
public struct ReferralPatch: Sendable, Hashable {
    public var reason: String?
    public var referringClinicianName: String?
    public var referringClinicianNPI: String?
    public var symptomOnset: String?
    public var flags: ClinicalFlags?
    public var payer: String?

    public init(
        reason: String? = nil, referringClinicianName: String? = nil, referringClinicianNPI: String? = nil,
        symptomOnset: String? = nil, flags: ClinicalFlags? = nil, payer: String? = nil
    ) {
        self.reason = reason
        self.referringClinicianName = referringClinicianName
        self.referringClinicianNPI = referringClinicianNPI
        self.symptomOnset = symptomOnset
        self.flags = flags
        self.payer = payer
    }
}

/// Moves along the referral lifecycle: events, cancel, edits, urgency overrides.
extension ReferralService {
    public func events(referralID id: ReferralID, actor: Actor) async throws -> [ReferralEvent] {
        let events = try await reach.within(.referral(id), actor) {
            guard let events = try await referrals.events(referralID: id, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "referral")
            }
            return events
        }
        try await audit.record(
            AuditEntry(actor: actor, action: "referral.events.read", entityType: "referral", entityID: id.rawValue))
        return events
    }

    /// Cancels with a reason, releasing its holds and bookings; refused (409) for a closed or
    /// cancelled referral. Returns the referral and the appointments released.
    public func cancel(
        referralID id: ReferralID, reason: String, expectedVersion: Int?,
        actor: Actor
    ) async throws -> (referral: Referral, released: [AppointmentID]) {
        let reason = try validated("/reason") { try BoundedText(reason, maxLength: 1000) }
        let released = try await reach.within(.referral(id), actor) {
            try await referrals.cancel(id: id, expectedVersion: expectedVersion, actor: actor) { snapshot in
                var change = try ReferralChange(from: snapshot, moving: .cancel)
                change.cancelReason = reason.value
                change.eventReason = reason.value
                return change
            }
        }
        return (try await reread(id, actor), released)
    }

    /// Edits the referral's own fields under `If-Match`; re-runs triage when flags or onset change.
    public func update(referralID id: ReferralID, patch: ReferralPatch, expectedVersion: Int, actor: Actor) async throws
        -> Referral
    {
        var collector = ViolationCollector()
        let reason = patch.reason.flatMap { text in
            collector.check("/reason") { try BoundedText(text, maxLength: 2000) }
        }
        let onset = patch.symptomOnset.flatMap { text in
            collector.check("/symptomOnset") { try LocalDate(iso8601: text) }
        }
        let payer = patch.payer.flatMap { text in collector.check("/payer") { try BoundedText(text, maxLength: 100) } }
        let clinician: ReferringClinician? =
            (patch.referringClinicianName != nil || patch.referringClinicianNPI != nil)
            ? collector.check("/referringClinician") {
                try ReferringClinician(name: patch.referringClinicianName ?? "", npi: patch.referringClinicianNPI)
            }
            : nil
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        try await reach.within(.referral(id), actor) {
            guard let clinicID = try await referrals.referral(id: id, scope: actor.scope)?.clinicID else {
                throw ServiceError.notFound(entity: "referral")
            }
            if let onset, let today = try await clinics.clinic(id: clinicID)?.today(at: actor.at), onset > today {
                throw ServiceError.invalid("/symptomOnset", "must not be in the future")
            }
        }
        try await referrals.change(id: id, expectedVersion: expectedVersion, actor: actor) { snapshot in
            guard !snapshot.referral.status.isTerminal else {
                throw ServiceError.illegalTransition(current: snapshot.referral.status, attempted: "edit")
            }
            var change = ReferralChange(from: snapshot, noting: .edited)
            if let reason { change.reason = reason }
            if let clinician { change.referringClinician = clinician }
            if let onset { change.symptomOnset = onset }
            if let flags = patch.flags { change.flags = flags }
            if let payer { change.payer = payer.value }
            change.retriage(snapshot)
            try Self.followUrgency(&change, from: snapshot.referral.status)
            return change
        }
        return try await reread(id, actor)
    }

    /// A scheduler's or clinician's explicit urgency, with a reason. Raising it to surgical review
    /// routes the referral there; lowering it from surgical review returns it to the pathway.
    public func overrideUrgency(
        referralID id: ReferralID, urgency: Urgency, reason: String, expectedVersion: Int?,
        actor: Actor
    ) async throws -> Referral {
        let reason = try validated("/reason") { try BoundedText(reason, maxLength: 1000) }
        try await reach.within(.referral(id), actor) {
            try await referrals.change(id: id, expectedVersion: expectedVersion, actor: actor) { snapshot in
                guard !snapshot.referral.status.isTerminal else {
                    throw ServiceError.illegalTransition(
                        current: snapshot.referral.status, attempted: "change the urgency of")
                }
                var change = ReferralChange(from: snapshot, noting: .urgencyOverridden)
                change.urgencyOverride = urgency
                change.urgencyOverrideReason = reason.value
                change.eventReason = reason.value
                change.retriage(snapshot)
                try Self.followUrgency(&change, from: snapshot.referral.status)
                return change
            }
        }
        return try await reread(id, actor)
    }

    /// Keeps the status in step with the urgency: surgical review is a pathway, not just a label.
    /// A move it makes is the change's event (route_to_surgical_review, return_from_surgical_review),
    /// whatever the edit or override that caused it; its reason says which.
    static func followUrgency(_ change: inout ReferralChange, from status: ReferralStatus) throws {
        if change.triage.urgency == .surgicalReview, status != .surgicalReview {
            try change.move(.routeToSurgicalReview)
        } else if change.triage.urgency != .surgicalReview, status == .surgicalReview, change.urgencyOverride != nil {
            try change.move(.returnFromSurgicalReview)
        }
    }

    private func reread(_ id: ReferralID, _ actor: Actor) async throws -> Referral {
        guard let referral = try await referrals.referral(id: id, scope: actor.scope) else {
            throw ServiceError.notFound(entity: "referral")
        }
        return referral
    }
}
