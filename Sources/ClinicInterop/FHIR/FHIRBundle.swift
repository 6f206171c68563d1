/// FHIR R4 Bundle of type searchset: one page of search results with its self and next links.
public struct FHIRBundle: Encodable, Sendable, Hashable {
    public struct Link: Encodable, Sendable, Hashable {
        public var relation: String
        public var url: String
    }

    public struct Entry: Encodable, Sendable, Hashable {
        public struct Search: Encodable, Sendable, Hashable {
            public var mode: String
        }

        public var fullUrl: String?
        public var resource: FHIRResource
        public var search: Search
    }

    public let resourceType = "Bundle"
    public var type: String
    public var total: Int?
    public var link: [Link]
    public var entry: [Entry]?

    /// - Parameters:
    ///   - fullURLBase: the FHIR base URL; each entry's fullUrl is `<base>/<type>/<id>`.
    ///   - total: the number of matches over all pages, when known (FHIR: unsignedInt).
    public static func searchset(
        entries: [FHIRResource], fullURLBase: String, selfURL: String, nextURL: String?, total: Int?
    ) -> FHIRBundle {
        let base = fullURLBase.hasSuffix("/") ? String(fullURLBase.dropLast()) : fullURLBase
        var links = [Link(relation: "self", url: selfURL)]
        if let nextURL = nextURL.nonEmptyFHIRString { links.append(Link(relation: "next", url: nextURL)) }
        let items = entries.map { resource in
            Entry(
                fullUrl: resource.id.map { base + "/" + resource.resourceType + "/" + $0 }, resource: resource,
                search: Entry.Search(mode: "match"))
        }
        return FHIRBundle(
            type: "searchset", total: total.map { max(0, $0) }, link: links, entry: items.nonEmptyFHIRArray)
    }
}
