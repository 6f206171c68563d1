/// Typed reads from an untrusted JSON tree, each failing with the FHIRPath of the element it reads.
struct IntakeReader {
    /// The text of a string element; nil when absent, null, or nothing but whitespace (FHIR has no empty strings).
    func string(_ value: IntakeJSON?, at path: String) throws(FHIRIntakeError) -> String? {
        switch value {
        case nil, .null: return nil
        case .string(let text):
            guard text.utf8.count <= FHIRServiceRequestIntake.maximumStringBytes else {
                throw FHIRIntakeError(
                    path, "The text is longer than \(FHIRServiceRequestIntake.maximumStringBytes) bytes.",
                    code: .tooLong)
            }
            return text.nonEmptyFHIRString
        case let other?:
            throw FHIRIntakeError(path, "Expected a string, found \(other.kind).", code: .structure)
        }
    }

    /// The members of an object element; nil when absent or null.
    func object(_ value: IntakeJSON?, at path: String) throws(FHIRIntakeError) -> [String: IntakeJSON]? {
        switch value {
        case nil, .null: return nil
        case .object(let members): return members
        case let other?: throw FHIRIntakeError(path, "Expected an object, found \(other.kind).", code: .structure)
        }
    }

    /// The items of an array element; empty when absent or null.
    func array(_ value: IntakeJSON?, at path: String) throws(FHIRIntakeError) -> [IntakeJSON] {
        switch value {
        case nil, .null: return []
        case .array(let items): return items
        case let other?: throw FHIRIntakeError(path, "Expected an array, found \(other.kind).", code: .structure)
        }
    }
}
