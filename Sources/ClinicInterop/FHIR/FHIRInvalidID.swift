/// An id that would break the FHIR `id` rule (1-64 of `A-Z a-z 0-9 - .`), refused before it is published.
public struct FHIRInvalidID: Error, Sendable, Hashable {
    public let id: String

    public init(id: String) { self.id = id }
}
