import ClinicDomain
import Foundation
import Testing

@Suite("Permission matrix")
struct PermissionMatrixTests {
    /// The operationIds the OpenAPI document declares.
    static func documentedOperations() throws -> [String] {
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        return try String(contentsOf: spec, encoding: .utf8).split(separator: "\n")
            .compactMap { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("operationId:") else { return nil }
                return trimmed.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces)
            }
    }

    @Test("every operation of the OpenAPI document is in the matrix, and nothing else is")
    func matrixCoversTheDocument() throws {
        let documented = try Self.documentedOperations()
        #expect(!documented.isEmpty)
        #expect(Set(documented) == Set(PermissionMatrix.operations.map(\.operationID)))
    }

    @Test("the README's permission table is the matrix the middleware enforces")
    func readmeMatchesMatrix() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        #expect(try String(contentsOf: readme, encoding: .utf8).contains(PermissionMatrix.table(markdown: true)))
    }

    @Test("an operation missing from the matrix is refused to every role, admin included")
    func unknownOperationDenied() {
        for role in Role.allCases { #expect(!PermissionMatrix.allows(role, "deleteEverything")) }
    }

    @Test("intake may create referrals but not read them")
    func intakeCreatesOnly() {
        #expect(PermissionMatrix.allows(.intake, "createReferral"))
        #expect(!PermissionMatrix.allows(.intake, "getReferral"))
        #expect(!PermissionMatrix.allows(.intake, "listReferrals"))
    }

    @Test("reporter may read but not create")
    func reporterReadsOnly() {
        #expect(!PermissionMatrix.allows(.reporter, "createReferral"))
        #expect(PermissionMatrix.allows(.reporter, "listReferrals"))
    }

    @Test("only health, readiness, FHIR's capability statement and SMART's published slots are public")
    func publicOperations() {
        let anonymous = PermissionMatrix.operations.filter { $0.access == .anonymous }.map(\.operationID)
        #expect(
            Set(anonymous) == ["getHealth", "getReady", "fhirCapabilities", "smartBulkPublish", "smartBulkPublishFile"])
    }
}
