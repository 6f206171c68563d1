import ClinicDomain
import ClinicInterop
import ClinicServices
import Foundation
import OpenAPIRuntime

/// SMART Scheduling Links: every clinic's free and busy time, published to anyone (no patient
/// data), as a `$bulk-publish` manifest and one Location, Schedule and Slot file per clinic.
extension APIHandler {
    /// How far ahead the published slots reach.
    static let publishedDays = 14

    /// The files each clinic publishes, by name, with the resource type each holds.
    static let publishedFiles: [(name: String, type: String)] = [
        ("locations.ndjson", "Location"), ("schedules.ndjson", "Schedule"), ("slots.ndjson", "Slot"),
    ]

    func smartBulkPublish(_ input: Operations.SmartBulkPublish.Input) async throws -> Operations.SmartBulkPublish.Output
    {
        let clinics = try await services.setup.publishedClinics()
        let base = Self.fhirBase + "/$bulk-publish"
        let outputs = clinics.flatMap { clinic in
            Self.publishedFiles.map { (type: $0.type, url: "\(base)/\(clinic.id)/\($0.name)") }
        }
        let manifest = SMARTManifest(transactionTime: RequestScope.instant, requestURL: base, outputs: outputs)
        let body: Components.Schemas.SmartManifest = try Self.generated(manifest)
        return .ok(.init(headers: .init(cacheControl: cacheControl), body: .json(body)))
    }

    func smartBulkPublishFile(_ input: Operations.SmartBulkPublishFile.Input) async throws
        -> Operations.SmartBulkPublishFile.Output
    {
        guard let id = ClinicID(string: input.path.clinicId),
            let file = Self.publishedFiles.first(where: { $0.name == input.path.file })
        else { throw ServiceError.notFound(entity: "published file") }
        let now = RequestScope.instant
        let bytes = try await publishedFiles.file("\(id)/\(file.name)", now: now) { [self] in
            try await publishedFile(clinicID: id, type: file.type, now: now)
        }
        return .ok(
            .init(headers: .init(cacheControl: cacheControl), body: .applicationFhirNdjson(HTTPBody(bytes))))
    }

    /// One clinic's file of one resource type, made now.
    private func publishedFile(clinicID id: ClinicID, type: String, now: Date) async throws -> [UInt8] {
        guard let clinic = try await services.setup.publishedClinics().first(where: { $0.id == id }) else {
            throw ServiceError.notFound(entity: "published file")
        }
        let resources: [FHIRResource]
        switch type {
        case "Location":
            resources = [.location(FHIRLocation(clinic: clinic, phone: publishing.bookingPhone))]
        case "Schedule":
            resources = Self.publishedKinds.map { .schedule(FHIRSchedule(clinic: clinic, kind: $0)) }
        default:
            var slots: [FHIRResource] = []
            for kind in Self.publishedKinds {
                let scheduleID = FHIRIDs.schedule(clinicID: clinic.id, kind: kind)
                let published = try await services.scheduling.publishedSlots(
                    clinicID: clinic.id, kind: kind, from: now,
                    to: now.addingTimeInterval(Double(Self.publishedDays) * 86_400), now: now, scope: .network)
                slots += try slotResources(published, scheduleID: scheduleID, clinic: clinic).map(\.resource)
            }
            resources = slots
        }
        return try NDJSON.encode(resources)
    }

    var cacheControl: String { "public, max-age=\(publishing.cacheSeconds)" }

    /// Published slots as FHIR writes them, ordered by id (which orders them by start), with the
    /// booking link and phone on free ones. A slot's id is its schedule and start minute; visits
    /// that start in the same minute (two rooms) get `-2`, `-3` ... so that every id is unique.
    /// A slot whose id cannot be a FHIR id (a start past year 9999) is left out.
    func slotResources(_ slots: [PublishedSlot], scheduleID: String, clinic: Clinic) throws
        -> [(id: String, resource: FHIRResource)]
    {
        var taken: [String: Int] = [:]
        var resources: [(id: String, resource: FHIRResource)] = []
        for slot in slots {
            guard let base = FHIRIDs.slot(scheduleID: scheduleID, start: slot.start),
                Date.storableRange.contains(slot.end)
            else { continue }
            let count = (taken[base] ?? 0) + 1
            taken[base] = count
            let id = count == 1 ? base : base + "-\(count)"
            guard FHIRIDs.isValid(id) else { continue }
            let resource = try FHIRSlot(
                id: id, scheduleID: scheduleID, start: slot.start, end: slot.end, status: slot.isFree ? .free : .busy,
                zone: clinic.timeZone.zone, bookingLink: slot.isFree ? publishing.bookingLink(slotID: id) : nil,
                bookingPhone: slot.isFree ? clinic.contact.phone?.value ?? publishing.bookingPhone : nil)
            resources.append((id, .slot(resource)))
        }
        return resources.sorted { $0.id < $1.id }
    }
}
