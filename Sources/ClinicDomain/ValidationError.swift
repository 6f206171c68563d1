/// One rejected input field: where it is (a JSON pointer such as `/patient/mrn`) and why.
public struct FieldViolation: Hashable, Sendable {
    public let pointer: String
    public let message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }
}

/// Input that breaks a domain invariant; carries every violation found, not just the first.
public struct ValidationError: Error, Hashable, Sendable {
    public let violations: [FieldViolation]

    public init(_ violations: [FieldViolation]) {
        precondition(!violations.isEmpty, "a validation error names at least one field")
        self.violations = violations
    }

    public init(pointer: String, message: String) {
        self.init([FieldViolation(pointer: pointer, message: message)])
    }
}

/// Collects violations while a compound value is validated, so one answer names every bad field.
public struct ViolationCollector: Sendable {
    public private(set) var violations: [FieldViolation] = []

    public init() {}

    /// Runs `make`; records its validation errors (re-rooted under `prefix`) and returns nil on failure.
    public mutating func check<T>(_ prefix: String = "", _ make: () throws -> T) -> T? {
        do {
            return try make()
        } catch let error as ValidationError {
            violations += error.violations.map { FieldViolation(pointer: prefix + $0.pointer, message: $0.message) }
            return nil
        } catch {
            violations.append(FieldViolation(pointer: prefix, message: "\(error)"))
            return nil
        }
    }

    public mutating func add(_ pointer: String, _ message: String) {
        violations.append(FieldViolation(pointer: pointer, message: message))
    }

    /// Throws the collected violations, if any.
    public func throwIfAny() throws {
        if !violations.isEmpty { throw ValidationError(violations) }
    }
}
