import ClinicDomain
import ClinicServices
import Foundation

/// `/v1/audit`.
extension APIHandler {
    func listAuditEntries(_ input: Operations.ListAuditEntries.Input) async throws -> Operations.ListAuditEntries.Output
    {
        let page = try await services.auditTrail.entries(
            entityID: try Identifier<AnyEntity>(input.query.entityId, at: "/entityId").rawValue,
            limit: input.query.limit,
            after: try cursors.auditCursor(input.query.cursor),
            actor: RequestScope.actor())
        let items = page.items.map { entry in
            Components.Schemas.AuditEntry(
                id: entry.id, occurredAt: entry.occurredAt, actorName: entry.actorName, actorRole: entry.actorRole,
                action: entry.action, entityType: entry.entityType, entityId: entry.entityID?.uuidString.lowercased(),
                requestId: entry.requestID,
                outcome: Components.Schemas.AuditEntry.OutcomePayload(rawValue: entry.outcome) ?? .failed)
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.next.map(cursors.token(auditAfter:))))))
    }
}

/// Any entity: the audit trail is read by the id of whatever it names.
enum AnyEntity {}
