import Foundation

/// The SMART files, kept for a minute: they are public, cost a clinic's whole availability
/// search (about 0.1 s each), and every slot finder polls them. Concurrent requests for one file
/// share one computation, so a burst of anonymous requests costs one search per clinic per minute.
actor PublishedFileCache {
    private struct Entry {
        let made: Date
        let bytes: Task<[UInt8], any Error>
    }

    /// How long a file is served as made.
    let lifetime: TimeInterval
    private var entries: [String: Entry] = [:]

    init(lifetime: TimeInterval) {
        self.lifetime = lifetime
    }

    /// The file named `key` as made within `lifetime` of `now`, or made now by `make`. A failed
    /// making is not kept: the next request tries again.
    func file(_ key: String, now: Date, make: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        if let entry = entries[key], now.timeIntervalSince(entry.made) < lifetime, now >= entry.made {
            return try await entry.bytes.value
        }
        // Files of clinics nobody asks for any more go when the next one is made.
        entries = entries.filter { now.timeIntervalSince($0.value.made) < lifetime }
        let task = Task { try await make() }
        entries[key] = Entry(made: now, bytes: task)
        do {
            return try await task.value
        } catch {
            if entries[key]?.made == now { entries[key] = nil }
            throw error
        }
    }
}
