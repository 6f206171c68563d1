/// FHIR R4 OperationOutcome: why a FHIR request failed (or what it warns about).
public struct FHIROperationOutcome: Encodable, Sendable, Hashable {
    /// issue-severity.
    public enum Severity: String, Encodable, Sendable, Hashable, CaseIterable {
        case fatal, error, warning, information
    }

    /// issue-type (R4), the whole list.
    public enum IssueCode: String, Encodable, Sendable, Hashable, CaseIterable {
        case invalid, structure, required, value, invariant, security, login, unknown, expired, forbidden
        case suppressed, processing, duplicate, `extension`, conflict, transient, exception, timeout
        case incomplete, throttled, informational
        case notSupported = "not-supported"
        case multipleMatches = "multiple-matches"
        case notFound = "not-found"
        case deleted
        case tooLong = "too-long"
        case codeInvalid = "code-invalid"
        case tooCostly = "too-costly"
        case businessRule = "business-rule"
        case lockError = "lock-error"
        case noStore = "no-store"
    }

    /// One `OperationOutcome.issue`.
    public struct Issue: Encodable, Sendable, Hashable {
        public var severity: Severity
        public var code: IssueCode
        public var diagnostics: String?
        public var expression: [String]?

        public init(severity: Severity, code: IssueCode, diagnostics: String, expression: [String]? = nil) {
            self.severity = severity
            self.code = code
            self.diagnostics = diagnostics.nonEmptyFHIRString
            self.expression = expression?.compactMap(\.nonEmptyFHIRString).nonEmptyFHIRArray
        }
    }

    public let resourceType = "OperationOutcome"
    public var issue: [Issue]

    /// FHIR requires at least one issue; an empty list becomes one information issue saying all is well.
    public init(issues: [Issue]) {
        issue =
            issues.isEmpty
            ? [Issue(severity: .information, code: .informational, diagnostics: "All OK")] : issues
    }

    /// The outcome for an HTTP error status, one error issue.
    public static func forHTTPStatus(_ code: Int, detail: String, expressions: [String]) -> FHIROperationOutcome {
        FHIROperationOutcome(issues: [
            Issue(
                severity: .error, code: issueCode(forHTTPStatus: code),
                diagnostics: detail.nonEmptyFHIRString ?? "HTTP status \(code)", expression: expressions)
        ])
    }

    /// The issue type for an HTTP status: 400 invalid, 401 login, 403 forbidden, 404 not-found,
    /// 405/406/415 not-supported, 409/412 conflict, 413 too-costly, 422/428 processing,
    /// 429 throttled, 503 transient, 504 timeout, any other 4xx invalid, any other 5xx exception.
    public static func issueCode(forHTTPStatus code: Int) -> IssueCode {
        switch code {
        case 400: .invalid
        case 401: .login
        case 403: .forbidden
        case 404: .notFound
        case 410: .deleted
        case 405, 406, 415: .notSupported
        case 409, 412: .conflict
        case 413: .tooCostly
        case 422, 428: .processing
        case 429: .throttled
        case 503: .transient
        case 504: .timeout
        case 400..<500: .invalid
        default: .exception
        }
    }
}
