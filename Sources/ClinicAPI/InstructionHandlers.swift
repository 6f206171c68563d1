import ClinicDocuments
import ClinicDomain
import ClinicServices
import Foundation
import OpenAPIRuntime

/// Patient letters, and the clinic templates they are written from.
extension APIHandler {
    func getAppointmentInstructions(_ input: Operations.GetAppointmentInstructions.Input) async throws
        -> Operations.GetAppointmentInstructions.Output
    {
        // `format` decides; else the first of text/html or text/plain the client accepts; else HTML.
        let format: InstructionFormat =
            if let asked = input.query.format {
                InstructionFormat(rawValue: asked.rawValue) ?? .html
            } else {
                input.headers.accept.sortedByQuality().lazy.compactMap { accepted -> InstructionFormat? in
                    switch accepted.contentType {
                    case .html: .html
                    case .plainText: .text
                    default: nil
                    }
                }.first ?? .html
            }
        let letter = try await services.instructions.letter(
            appointmentID: try AppointmentID(input.path.id, at: "/id"), format: format, actor: RequestScope.actor())
        let text = InstructionTemplate.letter(letter.facts, format: format, clinicTemplate: letter.customTemplate)
        switch format {
        case .html: return .ok(.init(body: .html(HTTPBody(text))))
        case .text: return .ok(.init(body: .plainText(HTTPBody(text))))
        }
    }

    func listInstructionTemplates(_ input: Operations.ListInstructionTemplates.Input) async throws
        -> Operations.ListInstructionTemplates.Output
    {
        let own = try await services.instructions.templates(
            clinicID: try ClinicID(input.path.id, at: "/id"), actor: RequestScope.actor())
        var items: [Components.Schemas.InstructionTemplate] = []
        for document in InstructionDocument.allCases {
            for format in InstructionFormat.allCases {
                if let stored = own.first(where: { $0.document == document && $0.format == format }) {
                    items.append(.init(stored))
                } else {
                    items.append(
                        .init(
                            document: .init(rawValue: document.rawValue) ?? .procedure,
                            format: .init(rawValue: format.rawValue) ?? .html,
                            body: InstructionTemplate.shipped(document, format).source, isDefault: true))
                }
            }
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func setInstructionTemplate(_ input: Operations.SetInstructionTemplate.Input) async throws
        -> Operations.SetInstructionTemplate.Output
    {
        guard case .json(let body) = input.body else {
            throw APIProblem.validation("", "send the template as application/json")
        }
        let stored = try await services.instructions.setTemplate(
            clinicID: try ClinicID(input.path.id, at: "/id"),
            document: InstructionDocument(rawValue: input.path.document.rawValue) ?? .procedure,
            format: InstructionFormat(rawValue: input.path.format.rawValue) ?? .html, body: body.body,
            actor: RequestScope.actor())
        return .ok(.init(body: .json(.init(stored))))
    }

    func resetInstructionTemplate(_ input: Operations.ResetInstructionTemplate.Input) async throws
        -> Operations.ResetInstructionTemplate.Output
    {
        try await services.instructions.resetTemplate(
            clinicID: try ClinicID(input.path.id, at: "/id"),
            document: InstructionDocument(rawValue: input.path.document.rawValue) ?? .procedure,
            format: InstructionFormat(rawValue: input.path.format.rawValue) ?? .html, actor: RequestScope.actor())
        return .noContent(.init())
    }
}

extension Components.Schemas.InstructionTemplate {
    init(_ stored: StoredInstructionTemplate) {
        self.init(
            document: .init(rawValue: stored.document.rawValue) ?? .procedure,
            format: .init(rawValue: stored.format.rawValue) ?? .html, body: stored.body, isDefault: false,
            updatedAt: stored.updatedAt, updatedBy: stored.updatedBy)
    }
}
