import ClinicDomain
import Foundation

/// How the front desk looks a patient up: by MRN, or by family name and birth date.
public enum PatientLookup: Hashable, Sendable {
    case mrn(String)
    case nameAndBirthDate(familyName: String, birthDate: LocalDate)
}

/// Where a page of patients ended: the last one's names and id, in the list's order.
public struct PatientCursor: Hashable, Sendable {
    public let familyName: String
    public let givenName: String
    public let id: PatientID

    public init(familyName: String, givenName: String, id: PatientID) {
        self.familyName = familyName
        self.givenName = givenName
        self.id = id
    }

    /// The JSON array `[family, given, id]`: names may hold any character.
    public var payload: String {
        let data = try? JSONEncoder().encode([familyName, givenName, id.description])
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    public init?(payload: String) {
        guard let parts = try? JSONDecoder().decode([String].self, from: Data(payload.utf8)), parts.count == 3,
            let id = PatientID(string: parts[2]), parts[0].count <= 200, parts[1].count <= 200
        else { return nil }
        self.init(familyName: parts[0], givenName: parts[1], id: id)
    }
}

/// The patient reads the front desk needs, stored.
public protocol PatientDirectory: Sendable {
    /// Patients matching `lookup` in `scope` (and `clinicID` when given), by family name, given
    /// name and id, after `cursor`: up to `limit + 1`, so the caller knows whether more follow.
    func patients(
        _ lookup: PatientLookup, clinicID: ClinicID?, after cursor: PatientCursor?, limit: Int, scope: ClinicScope
    ) async throws -> [Patient]
    /// The patient's imaging result ids, most recently performed first, after `cursor`: up to `limit + 1`.
    func imagingResultIDs(patientID: PatientID, after cursor: ImagingCursor?, limit: Int, scope: ClinicScope)
        async throws -> [ImagingResultID]
}

/// A patient with everything the front desk shows about them.
public struct PatientRecord: Sendable {
    public let patient: Patient
    /// Newest first.
    public let referrals: [Referral]
    /// Every appointment of every referral, by start.
    public let appointments: [Appointment]
    /// Most recently performed first.
    public let imagingResultIDs: [ImagingResultID]
}

/// Finding a patient and reading their record: scoped to the actor's clinics, every read audited.
public struct PatientService: Sendable {
    private let directory: any PatientDirectory
    private let referrals: any ReferralStore
    private let scheduling: any SchedulingStore
    private let imaging: any ImagingResultStore
    private let audit: any AuditStore
    private let reach: ClinicReach
    /// The most of each kind a record lists (a patient has a handful; this bounds a pathological one).
    public static let recordLimit = 500
    public static let maximumPage = 100

    public init(
        directory: any PatientDirectory, referrals: any ReferralStore, scheduling: any SchedulingStore,
        imaging: any ImagingResultStore, audit: any AuditStore, reach: ClinicReach
    ) {
        self.directory = directory
        self.referrals = referrals
        self.scheduling = scheduling
        self.imaging = imaging
        self.audit = audit
        self.reach = reach
    }

    /// Patients by MRN, or by family name (whole, any case) and birth date.
    public func search(
        mrn: String?, familyName: String?, birthDate: String?, clinicID: ClinicID?, after cursor: PatientCursor?,
        limit: Int, actor: Actor
    ) async throws -> (items: [Patient], next: PatientCursor?) {
        var collector = ViolationCollector()
        if !(1...Self.maximumPage).contains(limit) { collector.add("/limit", "must be from 1 to \(Self.maximumPage)") }
        let lookup: PatientLookup?
        switch (mrn, familyName, birthDate) {
        case (let mrn?, nil, nil):
            let trimmed = mrn.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.count > 64 { collector.add("/mrn", "must be 1 to 64 characters") }
            lookup = .mrn(trimmed)
        case (nil, let family?, let birth?):
            let trimmed = family.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.count > 200 { collector.add("/familyName", "must be 1 to 200 characters") }
            let date = collector.check("/birthDate") { try LocalDate(iso8601: birth) }
            lookup = date.map { .nameAndBirthDate(familyName: trimmed, birthDate: $0) }
        default:
            collector.add("", "search by mrn alone, or by familyName and birthDate together")
            lookup = nil
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        guard let lookup else { throw ServiceError.invalid("", "search by mrn, or by familyName and birthDate") }
        if let clinicID, !actor.scope.reaches(clinicID) { return ([], nil) }
        let rows = try await directory.patients(
            lookup, clinicID: clinicID, after: cursor, limit: limit, scope: actor.scope)
        try await audit.record(AuditEntry(actor: actor, action: "patient.search", entityType: "patient", entityID: nil))
        let items = Array(rows.prefix(limit))
        let next =
            rows.count > limit
            ? items.last.map {
                PatientCursor(familyName: $0.details.familyName.value, givenName: $0.details.givenName.value, id: $0.id)
            } : nil
        return (items, next)
    }

    /// A patient of the actor's clinics; audited as a read of patient data.
    public func patient(id: PatientID, actor: Actor) async throws -> Patient {
        let patient = try await reach.within(.patient(id), actor) {
            guard let patient = try await referrals.patient(id: id, scope: actor.scope) else {
                throw ServiceError.notFound(entity: "patient")
            }
            return patient
        }
        try await audit.record(
            AuditEntry(actor: actor, action: "patient.read", entityType: "patient", entityID: id.rawValue))
        return patient
    }

    /// The patient with their referrals, appointments and imaging results (one `patient.read`).
    public func record(id: PatientID, actor: Actor) async throws -> PatientRecord {
        let patient = try await patient(id: id, actor: actor)
        var referralList: [Referral] = []
        var referralQuery = ReferralQuery(now: actor.at, scope: actor.scope)
        referralQuery.patientID = id
        referralQuery.limit = 100
        while referralList.count < Self.recordLimit {
            let page = try await referrals.list(referralQuery)
            referralList += page.items
            guard let next = page.next else { break }
            referralQuery.after = next
        }
        var appointments: [Appointment] = []
        var appointmentQuery = AppointmentQuery(patientID: id, limit: 100)
        while appointments.count < Self.recordLimit {
            let page = try await scheduling.searchAppointments(appointmentQuery, scope: actor.scope)
            appointments += page.items.map(\.appointment)
            guard let next = page.next else { break }
            appointmentQuery.after = next
        }
        let imagingIDs = try await directory.imagingResultIDs(
            patientID: id, after: nil, limit: Self.recordLimit, scope: actor.scope)
        return PatientRecord(
            patient: patient, referrals: Array(referralList.prefix(Self.recordLimit)),
            appointments: Array(appointments.prefix(Self.recordLimit)),
            imagingResultIDs: Array(imagingIDs.prefix(Self.recordLimit)))
    }

    /// A patient's imaging results, current revisions, most recently performed first. A patient
    /// outside the actor's clinics has none.
    public func imagingResults(patientID: PatientID, after cursor: ImagingCursor?, limit: Int, actor: Actor)
        async throws -> (items: [ImagingResult], next: ImagingCursor?)
    {
        guard (1...Self.maximumPage).contains(limit) else {
            throw ServiceError.invalid("/limit", "must be from 1 to \(Self.maximumPage)")
        }
        let ids = try await directory.imagingResultIDs(
            patientID: patientID, after: cursor, limit: limit, scope: actor.scope)
        let page = Array(ids.prefix(limit))
        let loaded = try await imaging.results(ids: page, scope: actor.scope)
        let byID = Dictionary(loaded.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let items = page.compactMap { byID[$0] }
        try await audit.record(
            AuditEntry(actor: actor, action: "imaging_result.list", entityType: "patient", entityID: patientID.rawValue)
        )
        return (items, ids.count > limit ? items.last.flatMap(ImagingCursor.init(after:)) : nil)
    }
}
