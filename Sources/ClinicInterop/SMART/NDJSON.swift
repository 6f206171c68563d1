/// Newline-delimited JSON, as SMART Scheduling Links (and FHIR bulk data) publish resources.
public enum NDJSON {
    /// One compact JSON object per resource, each line ending in "\n"; no bytes for no resources.
    public static func encode(_ resources: [FHIRResource]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for resource in resources {
            // Compact JSON escapes every newline inside strings, so a resource is always one line.
            bytes += try FHIRJSON.encode(resource)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
