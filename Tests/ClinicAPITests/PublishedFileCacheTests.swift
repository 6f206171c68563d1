import Foundation
import Synchronization
import Testing

@testable import ClinicAPI

@Suite("The SMART files' cache")
struct PublishedFileCacheTests {
    final class Counter: Sendable {
        let calls = Mutex(0)
        func make() -> [UInt8] {
            let count = calls.withLock { value in
                value += 1
                return value
            }
            return Array("slots \(count)\n".utf8)
        }
    }

    static let noon = Date(timeIntervalSince1970: 1_796_212_800)

    @Test("within its lifetime a file is served as first made, after it made again")
    func lifetime() async throws {
        let cache = PublishedFileCache(lifetime: 60)
        let counter = Counter()
        let first = try await cache.file("desert/slots.ndjson", now: Self.noon) { counter.make() }
        let again = try await cache.file("desert/slots.ndjson", now: Self.noon.addingTimeInterval(59)) {
            counter.make()
        }
        let later = try await cache.file("desert/slots.ndjson", now: Self.noon.addingTimeInterval(61)) {
            counter.make()
        }
        #expect(first == again)
        #expect(later != first)
        #expect(counter.calls.withLock { $0 } == 2)
    }

    @Test("twenty requests at once for one file make it once")
    func burst() async throws {
        let cache = PublishedFileCache(lifetime: 60)
        let counter = Counter()
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await cache.file("desert/slots.ndjson", now: Self.noon) {
                        try await Task.sleep(for: .milliseconds(20))
                        return counter.make()
                    }
                }
            }
            for try await _ in group {}
        }
        #expect(counter.calls.withLock { $0 } == 1)
    }

    @Test("a failure is not kept: the next request makes the file")
    func failure() async throws {
        struct Unavailable: Error {}
        let cache = PublishedFileCache(lifetime: 60)
        await #expect(throws: Unavailable.self) {
            try await cache.file("desert/slots.ndjson", now: Self.noon) { throw Unavailable() }
        }
        let file = try await cache.file("desert/slots.ndjson", now: Self.noon.addingTimeInterval(1)) {
            Array("ok".utf8)
        }
        #expect(file == Array("ok".utf8))
    }
}
