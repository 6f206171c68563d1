import NIOCore
import NIOPosix
import Synchronization

/// Work ran past its deadline (a request: answered 503 with Retry-After).
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "did not finish within \(limit)" }
}

/// Runs `operation` in a task of its own and returns its result, or throws `DeadlineExceeded` once
/// `limit` has passed, without waiting for the operation to notice.
///
/// Not a task group: a group waits for every child, and a query whose connection died under it
/// can stay pending for ever (postgres-nio leaves it so when PostgreSQL restarts mid-query).
/// The caller must still get an answer, so the late task is cancelled and left to end alone;
/// cancelling it also withdraws a wait for a pooled connection. The timer is one scheduled task
/// on an event loop, not a sleeping task per call.
public func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.install(continuation)
            let task = Task {
                do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
            }
            let timer = NIOSingletons.posixEventLoopGroup.next().scheduleTask(in: TimeAmount(limit)) {
                race.finish(.failure(DeadlineExceeded(limit: limit)))
            }
            race.attach(task: task, timer: timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Whichever of the operation, the timer and the caller's cancellation comes first decides; the
/// others find the race over and do nothing.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        /// A result that came before the continuation was installed (cancelled before starting).
        var early: Result<T, any Error>?
        var finished = false
        /// The operation lost: cancel its task once we have it.
        var abandon = false
        var task: Task<Void, Never>?
        var timer: Scheduled<Void>?
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func attach(task: Task<Void, Never>, timer: Scheduled<Void>) {
        let (cancelTask, cancelTimer) = state.withLock { state -> (Bool, Bool) in
            guard !state.finished else { return (state.abandon, true) }
            state.task = task
            state.timer = timer
            return (false, false)
        }
        if cancelTimer { timer.cancel() }
        if cancelTask { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let lost: Bool
        if case .failure(let error) = result, error is DeadlineExceeded || error is CancellationError {
            lost = true
        } else {
            lost = false
        }
        let (continuation, task, timer) = state.withLock {
            state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Scheduled<Void>?) in
            guard !state.finished else { return (nil, nil, nil) }
            state.finished = true
            state.abandon = lost
            guard let continuation = state.continuation else {
                state.early = result
                return (nil, nil, nil)
            }
            state.continuation = nil
            defer { (state.task, state.timer) = (nil, nil) }
            return (continuation, state.task, state.timer)
        }
        continuation?.resume(with: result)
        timer?.cancel()
        if lost { task?.cancel() }
    }
}
