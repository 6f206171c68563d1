import Foundation

/// The SMART Scheduling Links `$bulk-publish` manifest: when the data set was published and
/// where its NDJSON files of Locations, Schedules and Slots are.
public struct SMARTManifest: Encodable, Sendable, Hashable {
    /// One published file.
    public struct Output: Encodable, Sendable, Hashable {
        /// `Location`, `Schedule` or `Slot`.
        public var type: String
        public var url: String
    }

    /// An error file; this server publishes none, but the spec's manifest always has the list.
    public struct ErrorOutput: Encodable, Sendable, Hashable {
        public var type: String
        public var url: String
    }

    public var transactionTime: String
    public var request: String
    public var output: [Output]
    // Written even when empty: the manifest is bulk-data JSON, not a FHIR resource, and its
    // specification shows `"error": []`.
    public var error: [ErrorOutput]

    public init(transactionTime: Date, requestURL: String, outputs: [(type: String, url: String)]) {
        self.transactionTime = FHIRInstant.utc(transactionTime)
        request = requestURL
        output = outputs.map { Output(type: $0.type, url: $0.url) }
        error = []
    }
}
