import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/resources/{id}`: renaming and deactivating a resource, listing and lifting its blocks.
extension APIHandler {
    func getResource(_ input: Operations.GetResource.Input) async throws -> Operations.GetResource.Output {
        let detail = try await services.resources.resource(
            id: try ResourceID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(detail))))
    }

    func updateResource(_ input: Operations.UpdateResource.Input) async throws -> Operations.UpdateResource.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the changes as application/json")
        }
        let detail = try await services.resources.update(
            id: try ResourceID(input.path.id, at: "/id"), name: body.name, active: body.active,
            actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(detail))))
    }

    func listBlocks(_ input: Operations.ListBlocks.Input) async throws -> Operations.ListBlocks.Output {
        let query = input.query
        let cursor = try cursors.position(query.cursor, list: "blocks") { BlockCursor(payload: $0) }
        let page = try await services.resources.blocks(
            resourceID: try ResourceID(input.path.id, at: "/id"), from: query.from, to: query.to, after: cursor,
            limit: query.limit ?? 50, actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.Block.init),
                        nextCursor: page.next.map { cursors.token(list: "blocks", $0.payload) }))))
    }

    func deleteBlock(_ input: Operations.DeleteBlock.Input) async throws -> Operations.DeleteBlock.Output {
        try await services.resources.deleteBlock(
            id: try BlockID(input.path.blockId, at: "/blockId"),
            resourceID: try ResourceID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .noContent(.init())
    }
}

extension Components.Schemas.ResourceDetail {
    init(_ detail: ResourceDetail) {
        self.init(
            resource: .init(detail.setup), futureBookings: detail.futureBookings.map(Components.Schemas.BookingRef.init)
        )
    }
}

extension Components.Schemas.BookingRef {
    init(_ booking: BookingReference) {
        self.init(
            appointmentId: booking.appointmentID.description, referralId: booking.referralID.description,
            kind: .init(rawValue: booking.kind.rawValue) ?? .evaluation,
            state: .init(rawValue: booking.state.rawValue) ?? .booked, start: booking.during.lowerBound,
            end: booking.during.upperBound)
    }
}

extension Components.Schemas.Block {
    init(_ block: ResourceBlock) {
        self.init(
            id: block.id.description, resourceId: block.resourceID.description, starts: block.during.lowerBound,
            ends: block.during.upperBound, kind: .init(rawValue: block.kind.rawValue) ?? .other,
            reason: block.reason.value, overBookings: block.overBookings)
    }
}
