import ClinicDomain
import Foundation

/// Writes clinic configuration.
public protocol ClinicSetupStore: Sendable {
    /// - Returns: false when a clinic with this id already exists (nothing changed).
    func create(_ clinic: Clinic, hours: [OpeningHours], actor: Actor) async throws -> Bool
    /// - Returns: false when the resource (same id, or same name at the clinic) already exists.
    func addResource(_ resource: Resource, actor: Actor) async throws -> Bool
    func triageTargets(clinicID: ClinicID) async throws -> TriageTargets
    /// - Returns: false when the clinic does not exist.
    func setTriageTargets(_ targets: TriageTargets, clinicID: ClinicID, actor: Actor) async throws -> Bool
    func clinicSetup(id: ClinicID) async throws -> ClinicSetup?
    /// Every clinic `scope` reaches, by name.
    func clinics(in scope: ClinicScope) async throws -> [Clinic]
    /// Nil when the clinic does not exist.
    func resources(clinicID: ClinicID) async throws -> [ResourceSetup]?
    /// Replaces the resource's weekly template; nil when the resource does not exist.
    func setTemplate(resourceID: ResourceID, windows: [WeeklyWindow], actor: Actor) async throws -> ResourceSetup?
    /// Replaces the clinic's contact details; false when the clinic does not exist.
    func setContact(_ contact: ClinicContact, clinicID: ClinicID, actor: Actor) async throws -> Bool
    /// - Returns: false when the clinic does not exist.
    func setVisitSettings(_ settings: VisitSettings, clinicID: ClinicID, actor: Actor) async throws -> Bool
}

/// How long visits take at a clinic and how long holds and offers last.
public struct VisitSettings: Sendable, Hashable {
    public var minutesPerLevel: Int?
    public var turnoverMinutes: Int?
    public var recoveryMinutes: Int?
    public var evaluationMinutes: Int?
    public var followUpMinutes: Int?
    public var holdMinutes: Int?
    public var offerHours: Int?

    public init(
        minutesPerLevel: Int? = nil, turnoverMinutes: Int? = nil, recoveryMinutes: Int? = nil,
        evaluationMinutes: Int? = nil,
        followUpMinutes: Int? = nil, holdMinutes: Int? = nil, offerHours: Int? = nil
    ) {
        self.minutesPerLevel = minutesPerLevel
        self.turnoverMinutes = turnoverMinutes
        self.recoveryMinutes = recoveryMinutes
        self.evaluationMinutes = evaluationMinutes
        self.followUpMinutes = followUpMinutes
        self.holdMinutes = holdMinutes
        self.offerHours = offerHours
    }

    /// The same ranges the database enforces, named field by field.
    func validate() throws {
        var collector = ViolationCollector()
        func check(_ value: Int?, _ pointer: String, _ range: ClosedRange<Int>) {
            if let value, !range.contains(value) {
                collector.add(pointer, "must be from \(range.lowerBound) to \(range.upperBound)")
            }
        }
        check(minutesPerLevel, "/minutesPerLevel", 10...240)
        check(turnoverMinutes, "/turnoverMinutes", 0...240)
        check(recoveryMinutes, "/recoveryMinutes", 0...480)
        check(evaluationMinutes, "/evaluationMinutes", 5...480)
        check(followUpMinutes, "/followUpMinutes", 5...480)
        check(holdMinutes, "/holdMinutes", 1...1440)
        check(offerHours, "/offerHours", 1...336)
        try collector.throwIfAny()
    }
}

/// Creating clinics and their resources, and reading them back. Every clinic and resource is
/// checked against the caller's scope first: configuration is not filtered by the database.
public struct ClinicSetupService: Sendable {
    private let store: any ClinicSetupStore
    private let reach: ClinicReach

    public init(store: any ClinicSetupStore, reach: ClinicReach) {
        self.store = store
        self.reach = reach
    }

    private static let noClinic = ServiceError.notFound(entity: "clinic")
    private static let noResource = ServiceError.notFound(entity: "resource")

    @discardableResult
    public func createClinic(
        id: ClinicID = .random(), name: String, timeZone: String, hours: [OpeningHours],
        contact: ClinicContact = .none, actor: Actor
    ) async throws -> Clinic {
        try await reach.requireNetwork(actor, to: "create a clinic")
        var collector = ViolationCollector()
        let name = collector.check("/name") { try BoundedText(name, maxLength: 200) }
        let zone = collector.check("/timeZone") { try ClinicTimeZone(timeZone) }
        if Set(hours.map(\.weekday)).count != hours.count { collector.add("/hours", "has a weekday twice") }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        let clinic = Clinic(id: id, name: name!, timeZone: zone!, contact: contact)
        _ = try await store.create(clinic, hours: hours, actor: actor)
        return clinic
    }

    /// Adds a resource with a fixed id, or leaves the one with that id (or name) as it is: for
    /// seeds that run again. The API's `addResource(clinicID:kind:name:actor:)` refuses duplicates.
    @discardableResult
    public func ensureResource(
        id: ResourceID, clinicID: ClinicID, kind: ResourceKind, name: String,
        actor: Actor
    ) async throws -> Resource {
        try await reach.require(clinicID, actor, else: Self.noClinic)
        let resource = Resource(
            id: id, clinicID: clinicID, kind: kind,
            name: try validated("/name") { try BoundedText(name, maxLength: 200) })
        _ = try await store.addResource(resource, actor: actor)
        return resource
    }

    /// Changes a clinic's triage targets. Referrals keep their due dates until they are next
    /// re-triaged (a result revision, an edit, an override): dates already promised do not move.
    public func setTriageTargets(
        clinicID: ClinicID, urgentDueDays: Int?, routineDueDays: Int?, candidacyWindowDays: Int?,
        actor: Actor
    ) async throws -> TriageTargets {
        try await reach.require(clinicID, actor, else: Self.noClinic)
        let current = try await store.triageTargets(clinicID: clinicID)
        let targets: TriageTargets
        do {
            targets = try TriageTargets.validated(
                urgentDueDays: urgentDueDays ?? current.urgentDueDays,
                routineDueDays: routineDueDays ?? current.routineDueDays,
                candidacyWindowDays: candidacyWindowDays ?? current.candidacyWindowDays)
        } catch let error as ValidationError {
            throw ServiceError.invalid(error)
        }
        guard try await store.setTriageTargets(targets, clinicID: clinicID, actor: actor) else {
            throw ServiceError.notFound(entity: "clinic")
        }
        return targets
    }

    /// The clinics the actor reaches, by name (every clinic for the network).
    public func clinics(actor: Actor) async throws -> [Clinic] {
        try await store.clinics(in: actor.scope)
    }

    /// One page of the actor's clinics with their settings, by name then id. A network has tens
    /// of clinics, not thousands: the page is cut from the one list, ordered here by the same
    /// comparison the cursor makes (not the database's collation, which may order otherwise).
    public func clinicPage(after: ClinicListPosition?, limit: Int, actor: Actor) async throws
        -> (items: [ClinicSetup], next: ClinicListPosition?)
    {
        guard (1...100).contains(limit) else { throw ServiceError.invalid("/limit", "must be from 1 to 100") }
        let remaining = try await store.clinics(in: actor.scope).map(ClinicListPosition.init).sorted().filter {
            position in after.map { position > $0 } ?? true
        }
        var items: [ClinicSetup] = []
        for position in remaining.prefix(limit) {
            if let setup = try await store.clinicSetup(id: position.id) { items.append(setup) }
        }
        return (items, remaining.count > limit ? remaining.prefix(limit).last : nil)
    }

    /// Every clinic of the network, for what is published to everyone (SMART Scheduling Links).
    public func publishedClinics() async throws -> [Clinic] {
        try await store.clinics(in: .network)
    }

    public func clinicSetup(id: ClinicID, actor: Actor) async throws -> ClinicSetup {
        try await reach.require(id, actor, else: Self.noClinic)
        guard let setup = try await store.clinicSetup(id: id) else { throw ServiceError.notFound(entity: "clinic") }
        return setup
    }

    /// Creates a clinic from API input: every field checked, every bad one named.
    public func createClinic(
        name: String, timeZone: String, hours: [(weekday: Int, opens: String, closes: String)],
        contact: ClinicContact = .none, actor: Actor
    ) async throws -> ClinicSetup {
        try await reach.requireNetwork(actor, to: "create a clinic")
        var collector = ViolationCollector()
        var parsed: [OpeningHours] = []
        for (index, day) in hours.enumerated() {
            let opens = collector.check("/hours/\(index)/opens") { try LocalTime(day.opens) }
            let closes = collector.check("/hours/\(index)/closes") { try LocalTime(day.closes) }
            if let opens, let closes,
                let value = collector.check(
                    "/hours/\(index)", { try OpeningHours(weekday: day.weekday, opens: opens, closes: closes) })
            {
                parsed.append(value)
            }
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        let clinic = try await createClinic(
            name: name, timeZone: timeZone, hours: parsed, contact: contact, actor: actor)
        return try await clinicSetup(id: clinic.id, actor: actor)
    }

    public func resources(clinicID: ClinicID, actor: Actor) async throws -> [ResourceSetup] {
        try await reach.require(clinicID, actor, else: Self.noClinic)
        guard let list = try await store.resources(clinicID: clinicID) else {
            throw ServiceError.notFound(entity: "clinic")
        }
        return list
    }

    /// Adds a room or person to a clinic; a second one with the same name is a conflict.
    public func addResource(clinicID: ClinicID, kind: ResourceKind, name: String, actor: Actor) async throws
        -> ResourceSetup
    {
        try await reach.require(clinicID, actor, else: Self.noClinic)
        guard try await store.clinicSetup(id: clinicID) != nil else { throw Self.noClinic }
        let resource = Resource(
            id: .random(), clinicID: clinicID, kind: kind,
            name: try validated("/name") { try BoundedText(name, maxLength: 200) })
        guard try await store.addResource(resource, actor: actor) else {
            throw ServiceError.conflict("the clinic already has a resource named \(resource.name.value)")
        }
        return ResourceSetup(resource: resource, windows: [])
    }

    /// Replaces a resource's weekly template; windows on one weekday may not overlap.
    public func setTemplate(
        resourceID id: ResourceID, windows: [(weekday: Int, starts: String, ends: String)], actor: Actor
    ) async throws -> ResourceSetup {
        try await reach.require(.resource(id), actor, else: Self.noResource)
        var collector = ViolationCollector()
        var parsed: [WeeklyWindow] = []
        for (index, window) in windows.enumerated() {
            let starts = collector.check("/windows/\(index)/starts") { try LocalTime(window.starts) }
            let ends = collector.check("/windows/\(index)/ends") { try LocalTime(window.ends) }
            if let starts, let ends,
                let value = collector.check(
                    "/windows/\(index)", { try WeeklyWindow(weekday: window.weekday, starts: starts, ends: ends) })
            {
                if parsed.contains(where: {
                    $0.weekday == value.weekday && $0.starts < value.ends && value.starts < $0.ends
                }) {
                    collector.add("/windows/\(index)", "overlaps another window on the same weekday")
                }
                parsed.append(value)
            }
        }
        do { try collector.throwIfAny() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        guard let setup = try await store.setTemplate(resourceID: id, windows: parsed, actor: actor) else {
            throw ServiceError.notFound(entity: "resource")
        }
        return setup
    }

    /// Changes how long visits take; fields left out stay as they are.
    public func setVisitSettings(clinicID id: ClinicID, _ settings: VisitSettings, actor: Actor) async throws
        -> ClinicSetup
    {
        try await reach.require(id, actor, else: Self.noClinic)
        do { try settings.validate() } catch let error as ValidationError { throw ServiceError.invalid(error) }
        guard try await store.setVisitSettings(settings, clinicID: id, actor: actor) else { throw Self.noClinic }
        return try await clinicSetup(id: id, actor: actor)
    }

    /// Replaces how patients reach the clinic (what its published Location says).
    public func setContact(clinicID id: ClinicID, _ contact: ClinicContact, actor: Actor) async throws -> ClinicSetup {
        try await reach.require(id, actor, else: Self.noClinic)
        guard try await store.setContact(contact, clinicID: id, actor: actor) else { throw Self.noClinic }
        return try await clinicSetup(id: id, actor: actor)
    }
}

/// Where a page of clinics ended: the last one's name and id, in the list's order.
public struct ClinicListPosition: Comparable, Sendable {
    public let name: String
    public let id: ClinicID

    init(_ clinic: Clinic) {
        name = clinic.name.value
        id = clinic.id
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.name, lhs.id.description) < (rhs.name, rhs.id.description)
    }

    /// The JSON array `[name, id]`: a name may hold any character.
    public var payload: String {
        (try? JSONEncoder().encode([name, id.description])).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    public init?(payload: String) {
        guard let parts = try? JSONDecoder().decode([String].self, from: Data(payload.utf8)), parts.count == 2,
            parts[0].count <= 200, let id = ClinicID(string: parts[1])
        else { return nil }
        self.name = parts[0]
        self.id = id
    }
}
