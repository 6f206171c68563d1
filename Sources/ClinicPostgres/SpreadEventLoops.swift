import Dispatch
import NIOCore
import NIOPosix

/// NIO's shared event loops, handing out the next loop every time.
///
/// PostgresNIO places each new connection on `any()` of its group, and the shared group's `any()`
/// stays on the calling thread's loop. The pool opens its connections from one task, so without
/// this every connection, and every request resuming after a query, would share one loop and one
/// core (measured: one loop thread used 95% of the server's CPU under load).
final class SpreadEventLoops: EventLoopGroup, Sendable {
    private let group = MultiThreadedEventLoopGroup.singleton

    func next() -> any EventLoop { group.next() }

    func any() -> any EventLoop { group.next() }

    func makeIterator() -> EventLoopIterator { group.makeIterator() }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        // The shared group lives as long as the process; it is never shut down.
        queue.async { callback(nil) }
    }

    func _preconditionSafeToSyncShutdown(file: StaticString, line: UInt) {}
}
