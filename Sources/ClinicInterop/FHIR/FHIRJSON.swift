import Foundation

/// The one JSON encoding every FHIR resource and SMART file here is written with.
public enum FHIRJSON {
    /// Compact JSON, keys sorted (stable output for ETags and tests), slashes left as they are
    /// (`Patient/123`, not `Patient\/123`). Dates are already FHIR text, so no date strategy.
    public static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
