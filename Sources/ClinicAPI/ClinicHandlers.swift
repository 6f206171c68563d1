import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/clinics` and `/v1/resources`: clinic setup.
extension APIHandler {
    func createClinic(_ input: Operations.CreateClinic.Input) async throws -> Operations.CreateClinic.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the clinic as application/json")
        }
        let setup = try await services.setup.createClinic(
            name: body.name, timeZone: body.timeZone,
            hours: body.hours.map { ($0.weekday, $0.opens, $0.closes) },
            contact: try body.contact.map { try ClinicContact($0, at: "/contact") } ?? .none,
            actor: RequestScope.actor())
        return .created(.init(headers: .init(location: "/v1/clinics/\(setup.clinic.id)"), body: .json(.init(setup))))
    }

    func getClinic(_ input: Operations.GetClinic.Input) async throws -> Operations.GetClinic.Output {
        return .ok(
            .init(
                body: .json(
                    .init(
                        try await services.setup.clinicSetup(
                            id: try ClinicID(input.path.id, at: "/id"), actor: RequestScope.actor())))))
    }

    func setVisitSettings(_ input: Operations.SetVisitSettings.Input) async throws -> Operations.SetVisitSettings.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the settings as application/json")
        }
        let settings = VisitSettings(
            minutesPerLevel: body.minutesPerLevel, turnoverMinutes: body.turnoverMinutes,
            recoveryMinutes: body.recoveryMinutes, evaluationMinutes: body.evaluationMinutes,
            followUpMinutes: body.followUpMinutes, holdMinutes: body.holdMinutes, offerHours: body.offerHours)
        let setup = try await services.setup.setVisitSettings(
            clinicID: try ClinicID(input.path.id, at: "/id"), settings, actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(setup))))
    }

    func setClinicContact(_ input: Operations.SetClinicContact.Input) async throws -> Operations.SetClinicContact.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the contact details as application/json")
        }
        let setup = try await services.setup.setContact(
            clinicID: try ClinicID(input.path.id, at: "/id"), try ClinicContact(body, at: ""),
            actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(setup))))
    }

    func listResources(_ input: Operations.ListResources.Input) async throws -> Operations.ListResources.Output {
        let list = try await services.setup.resources(
            clinicID: try ClinicID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(items: list.map(Components.Schemas.Resource.init)))))
    }

    func createResource(_ input: Operations.CreateResource.Input) async throws -> Operations.CreateResource.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the resource as application/json")
        }
        let setup = try await services.setup.addResource(
            clinicID: try ClinicID(input.path.id, at: "/id"),
            kind: ResourceKind(rawValue: body.kind.rawValue) ?? .consultRoom,
            name: body.name, actor: RequestScope.actor())
        return .created(.init(body: .json(.init(setup))))
    }

    func setAvailabilityTemplate(_ input: Operations.SetAvailabilityTemplate.Input) async throws
        -> Operations.SetAvailabilityTemplate.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the template as application/json")
        }
        let setup = try await services.setup.setTemplate(
            resourceID: try ResourceID(input.path.id, at: "/id"),
            windows: body.windows.map { ($0.weekday, $0.starts, $0.ends) },
            actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(setup))))
    }

    func createBlock(_ input: Operations.CreateBlock.Input) async throws -> Operations.CreateBlock.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the block as application/json")
        }
        let added = try await services.resources.addBlock(
            resourceID: try ResourceID(input.path.id, at: "/id"), starts: body.starts, ends: body.ends,
            kind: BlockKind(rawValue: body.kind.rawValue) ?? .other, reason: body.reason,
            overBookings: body.overBookings ?? false, actor: RequestScope.actor())
        var block = Components.Schemas.Block(added.block)
        block.coveredBookings = added.covering.map(Components.Schemas.BookingRef.init)
        return .created(.init(body: .json(block)))
    }
}

extension Components.Schemas.Clinic {
    init(_ setup: ClinicSetup) {
        self.init(
            id: setup.clinic.id.description, name: setup.clinic.name.value, timeZone: setup.clinic.timeZone.identifier,
            contact: .init(setup.clinic.contact),
            hours: setup.hours.map {
                .init(weekday: $0.weekday, opens: $0.opens.description, closes: $0.closes.description)
            },
            minutesPerLevel: setup.minutesPerLevel, turnoverMinutes: setup.turnoverMinutes,
            recoveryMinutes: setup.recoveryMinutes,
            evaluationMinutes: setup.evaluationMinutes, followUpMinutes: setup.followUpMinutes,
            triageTargets: .init(
                urgentDueDays: setup.targets.urgentDueDays, routineDueDays: setup.targets.routineDueDays,
                candidacyWindowDays: setup.targets.candidacyWindowDays))
    }
}

extension Components.Schemas.ClinicContact {
    init(_ contact: ClinicContact) {
        let address =
            contact.hasAddress || contact.country != nil
            ? Components.Schemas.ClinicContact.AddressPayload(
                lines: contact.addressLines.isEmpty ? nil : contact.addressLines.map(\.value),
                city: contact.city?.value, state: contact.state?.value, postalCode: contact.postalCode?.value,
                country: contact.country?.value) : nil
        self.init(phone: contact.phone?.value, website: contact.website, address: address)
    }
}

extension ClinicContact {
    /// Contact details as the API sends them, checked; pointers under `prefix`.
    init(_ body: Components.Schemas.ClinicContact, at prefix: String) throws {
        do {
            try self.init(
                phone: body.phone, website: body.website, addressLines: body.address?.lines ?? [],
                city: body.address?.city, state: body.address?.state, postalCode: body.address?.postalCode,
                country: body.address?.country)
        } catch let error as ValidationError {
            throw ServiceError.invalid(
                ValidationError(
                    error.violations.map { FieldViolation(pointer: prefix + $0.pointer, message: $0.message) }))
        }
    }
}

extension Components.Schemas.Resource {
    init(_ setup: ResourceSetup) {
        self.init(
            id: setup.resource.id.description, clinicId: setup.resource.clinicID.description,
            kind: .init(rawValue: setup.resource.kind.rawValue) ?? .consultRoom, name: setup.resource.name.value,
            active: setup.resource.active,
            windows: setup.windows.map {
                .init(weekday: $0.weekday, starts: $0.starts.description, ends: $0.ends.description)
            })
    }
}
