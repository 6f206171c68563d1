import Foundation

/// Who may call which API operation, keyed by the OpenAPI `operationId`.
///
/// Written once here and enforced by one middleware for every operation; an operation missing
/// from the matrix is refused to everybody (fail closed), so a new endpoint is born protected.
public enum PermissionMatrix {
    /// Who may call an operation.
    public enum Access: Sendable, Equatable {
        /// No token needed (liveness and readiness probes).
        case anonymous
        /// A valid token whose role is in the set.
        case roles(Set<Role>)
    }

    private static let readers: Set<Role> = [.admin, .scheduler, .clinician, .reporter]
    private static let referralWriters: Set<Role> = [.admin, .scheduler, .clinician, .intake]
    private static let staff: Set<Role> = [.admin, .scheduler, .clinician]

    /// The matrix itself. Keep it in the OpenAPI document's order.
    public static let operations: [(operationID: String, access: Access)] = [
        ("getHealth", .anonymous),
        ("getReady", .anonymous),
        ("getMetrics", .roles([.admin, .reporter])),
        ("createReferral", .roles(referralWriters)),
        ("listReferrals", .roles(readers)),
        ("getReferral", .roles(readers)),
        ("updateReferral", .roles(staff)),
        ("listReferralEvents", .roles(readers)),
        ("cancelReferral", .roles(staff)),
        ("setReferralUrgency", .roles(staff)),
        ("createEvaluation", .roles([.admin, .clinician])),
        ("listEvaluations", .roles(readers)),
        ("getPreProcedurePlan", .roles(staff)),
        ("listCandidacyRuleSets", .roles(readers)),
        ("createCandidacyRuleSetVersion", .roles([.admin])),
        ("createClinic", .roles([.admin])),
        ("listClinics", .roles(readers)),
        ("getClinic", .roles(readers)),
        ("setClinicContact", .roles([.admin])),
        ("setVisitSettings", .roles([.admin])),
        ("listResources", .roles(readers)),
        ("createResource", .roles([.admin])),
        ("setAvailabilityTemplate", .roles([.admin])),
        ("createBlock", .roles([.admin, .scheduler])),
        ("listBlocks", .roles(readers)),
        ("getAvailability", .roles(staff)),
        ("createAppointment", .roles([.admin, .scheduler])),
        ("listAppointments", .roles(readers)),
        ("getAppointment", .roles(readers)),
        ("cancelAppointment", .roles([.admin, .scheduler])),
        ("checkInAppointment", .roles(staff)),
        ("markNoShow", .roles(staff)),
        ("completeAppointment", .roles(staff)),
        ("rescheduleAppointment", .roles([.admin, .scheduler])),
        ("getDaySheet", .roles(readers)),
        ("confirmAppointment", .roles([.admin, .scheduler])),
        ("recordConsent", .roles(staff)),
        ("recordPriorAuthorization", .roles([.admin, .scheduler])),
        ("getWaitlist", .roles(readers)),
        ("getNightlyReport", .roles([.admin, .reporter])),
        ("getNetworkReport", .roles([.admin, .reporter])),
        ("acceptOffer", .roles([.admin, .scheduler])),
        ("declineOffer", .roles([.admin, .scheduler])),
        ("createImagingResult", .roles([.admin, .intake])),
        ("listImagingResults", .roles(readers)),
        ("getImagingResult", .roles(readers)),
        ("listAuditEntries", .roles([.admin])),
        ("searchPatients", .roles(readers)),
        ("getPatient", .roles(readers)),
        ("getAppointmentInstructions", .roles(staff)),
        ("listInstructionTemplates", .roles(staff)),
        ("setInstructionTemplate", .roles([.admin])),
        ("resetInstructionTemplate", .roles([.admin])),
        ("getResource", .roles(readers)),
        ("updateResource", .roles([.admin])),
        ("deleteBlock", .roles([.admin])),
        ("listChanges", .roles(readers)),
        ("createWebhook", .roles([.admin])),
        ("listWebhooks", .roles([.admin])),
        ("getWebhook", .roles([.admin])),
        ("deleteWebhook", .roles([.admin])),
        ("resumeWebhook", .roles([.admin])),
        ("listWebhookDeliveries", .roles([.admin])),
        ("receiveHL7Result", .roles([.admin, .intake])),
        // FHIR's own contract, and SMART's published availability, carry no patient data.
        ("fhirCapabilities", .anonymous),
        ("fhirReadPatient", .roles(readers)),
        ("fhirSearchServiceRequests", .roles(readers)),
        ("fhirCreateServiceRequest", .roles(referralWriters)),
        ("fhirReadServiceRequest", .roles(readers)),
        ("fhirSearchAppointments", .roles(readers)),
        ("fhirReadAppointment", .roles(readers)),
        ("fhirSearchSchedules", .roles(readers)),
        ("fhirReadSchedule", .roles(readers)),
        ("fhirSearchSlots", .roles(readers)),
        ("fhirReadDiagnosticReport", .roles(readers)),
        ("fhirReadLocation", .roles(readers)),
        ("smartBulkPublish", .anonymous),
        ("smartBulkPublishFile", .anonymous),
    ]

    /// The access rule of an operation; `nil` when the operation is not in the matrix.
    public static func access(for operationID: String) -> Access? {
        operations.first { $0.operationID == operationID }?.access
    }

    /// Whether `role` may call `operationID`. Unknown operations are denied.
    public static func allows(_ role: Role, _ operationID: String) -> Bool {
        switch access(for: operationID) {
        case .anonymous: return true
        case .roles(let roles): return roles.contains(role)
        case nil: return false
        }
    }

    /// The matrix as a table (`clinic roles`); the README's table is the Markdown form.
    public static func table(markdown: Bool) -> String {
        let roles = Role.allCases
        let header = ["operation"] + roles.map(\.rawValue)
        let rows = operations.map { operation -> [String] in
            [operation.operationID]
                + roles.map { role in
                    switch operation.access {
                    case .anonymous: "public"
                    case .roles(let allowed): allowed.contains(role) ? "yes" : "-"
                    }
                }
        }
        if markdown {
            let line = { (cells: [String]) in "| " + cells.joined(separator: " | ") + " |" }
            return ([line(header), line(header.map { _ in "---" })] + rows.map(line)).joined(separator: "\n")
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let line = { (cells: [String]) in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
