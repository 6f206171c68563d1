import ClinicDomain
import ClinicServices
import Foundation
import OpenAPIRuntime

/// `/v1/changes` and `/v1/webhooks`: the change feed and the subscriptions that push it.
extension APIHandler {
    func listChanges(_ input: Operations.ListChanges.Input) async throws -> Operations.ListChanges.Output {
        let query = input.query
        let types = try query._type?.atMost(30, at: "/type").compactMap { ChangeType(rawValue: $0.rawValue) }
        let page = try await services.changes.changes(
            after: query.after ?? 0, types: types, limit: query.limit ?? 100, actor: RequestScope.actor())
        return .ok(
            .init(body: .json(.init(items: try page.items.map(Components.Schemas.ChangeEvent.init), next: page.next))))
    }

    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the subscription as application/json")
        }
        let view = try await services.webhooks.create(
            url: body.url, eventTypes: (body.eventTypes ?? []).compactMap { ChangeType(rawValue: $0.rawValue) },
            clinicIDs: try ClinicID.list(body.clinicIds ?? [], at: "/clinicIds"), description: body.description,
            actor: RequestScope.actor())
        var answer = Components.Schemas.Webhook(view)
        answer.secret = view.subscription.secret
        return .created(
            .init(headers: .init(location: "/v1/webhooks/\(view.subscription.id)"), body: .json(answer)))
    }

    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let views = try await services.webhooks.list(actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(items: views.map(Components.Schemas.Webhook.init)))))
    }

    func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        let view = try await services.webhooks.get(
            id: try WebhookID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(view))))
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        try await services.webhooks.delete(id: try WebhookID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .noContent(.init())
    }

    func resumeWebhook(_ input: Operations.ResumeWebhook.Input) async throws -> Operations.ResumeWebhook.Output {
        let view = try await services.webhooks.resume(
            id: try WebhookID(input.path.id, at: "/id"), actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(view))))
    }

    func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws
        -> Operations.ListWebhookDeliveries.Output
    {
        let before = try cursors.position(input.query.cursor, list: "deliveries") {
            Int64($0).flatMap { $0 > 0 ? $0 : nil }
        }
        let page = try await services.webhooks.deliveries(
            id: try WebhookID(input.path.id, at: "/id"), before: before, limit: input.query.limit ?? 50,
            actor: RequestScope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map(Components.Schemas.WebhookDelivery.init),
                        nextCursor: page.next.map { cursors.token(list: "deliveries", "\($0)") }))))
    }
}

extension Components.Schemas.ChangeEvent {
    init(_ event: ChangeEvent) throws {
        let body = ChangeEventBody(event)
        self.init(
            id: body.id, position: event.position, _type: .init(rawValue: event.type.rawValue) ?? .referral_updated,
            occurredAt: event.occurredAt, clinicId: body.clinicId, referralId: body.referralId,
            entity: .init(rawValue: event.entity.rawValue) ?? .referral, entityId: body.entityId,
            data: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: event.data)))
    }
}

extension Components.Schemas.Webhook {
    init(_ view: WebhookView) {
        let subscription = view.subscription
        var paused: String?
        if case .paused(let reason) = subscription.state { paused = reason }
        self.init(
            id: subscription.id.description, url: subscription.url.value,
            eventTypes: subscription.eventTypes.compactMap { .init(rawValue: $0.rawValue) },
            clinicIds: subscription.clinicIDs.map(\.description), description: subscription.description,
            state: paused == nil ? .active : .paused, pausedReason: paused,
            consecutiveFailures: subscription.consecutiveFailures, lastError: subscription.lastError,
            nextAttemptAt: paused == nil ? subscription.nextAttemptAt : nil,
            deliveredThrough: subscription.deliveredThrough, backlog: view.backlog, createdAt: subscription.createdAt)
    }
}

extension Components.Schemas.WebhookDelivery {
    init(_ delivery: WebhookDelivery) {
        self.init(
            id: delivery.id, eventId: delivery.eventID.uuidString.lowercased(), position: delivery.position,
            eventType: .init(rawValue: delivery.eventType.rawValue) ?? .referral_updated,
            attempt: delivery.attempt, attemptedAt: delivery.attemptedAt,
            durationMs: delivery.durationMilliseconds, outcome: .init(rawValue: delivery.outcome.rawValue) ?? .failed,
            statusCode: delivery.statusCode, error: delivery.error)
    }
}
