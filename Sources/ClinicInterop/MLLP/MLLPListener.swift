import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A TCP listener for HL7 over MLLP, run as a service of the server's `ServiceGroup`.
///
/// Each connection's messages are handled one at a time, in order: the handler's answer (the
/// ACK) for one message is written before the next message is read. A connection that breaks
/// the framing is closed, as is one idle for `idleTimeout`; connections beyond
/// `maximumConnections` are closed as they arrive. On graceful shutdown or cancellation it
/// stops accepting, closes idle connections at once and busy ones once the message in progress
/// is answered (the handler is not cancelled: a result half-stored is worse than a late stop).
public struct MLLPListener: Service {
    /// Takes one message's payload, returns the acknowledgement's payload (unframed).
    public typealias Handler = @Sendable ([UInt8]) async -> [UInt8]

    private let host: String
    private let port: Int
    private let maximumConnections: Int
    private let idleTimeout: Duration
    private let maximumMessageBytes: Int
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let onListening: @Sendable (Int) -> Void
    private let handler: Handler

    /// - Parameters:
    ///   - port: 0 asks the system for a free port; `onListening` learns which.
    ///   - onListening: called once with the bound port, when connections can be made.
    public init(
        host: String, port: Int, maximumConnections: Int = 64, idleTimeout: Duration = .seconds(300),
        maximumMessageBytes: Int = HL7Message.maximumBytes,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "clinic.mllp"),
        onListening: @escaping @Sendable (Int) -> Void = { _ in }, handler: @escaping Handler
    ) {
        self.host = host
        self.port = port
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.maximumMessageBytes = maximumMessageBytes
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onListening = onListening
        self.handler = handler
    }

    public func run() async throws {
        let idleTimeout = TimeAmount(self.idleTimeout)
        let registry = ConnectionRegistry(maximum: maximumConnections)
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Reads start once the connection is handed out (see `open`).
            .childChannelOption(.autoRead, value: false)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard registry.accept(channel) else {
                        // Stopping. NIO neither registers nor closes a connection whose initializer
                        // fails, so it is closed here.
                        channel.close(promise: nil)
                        throw ChannelError.ioOnClosedChannel
                    }
                    try channel.pipeline.syncOperations.addHandlers(
                        IdleStateHandler(readTimeout: idleTimeout), CloseWhenIdleHandler())
                    return channel
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        logger.info("MLLP listener accepting connections", metadata: ["host": "\(host)", "port": "\(boundPort)"])
        onListening(boundPort)
        let serverChannel = server.channel
        // The accept loop runs in a task that is never cancelled, so that it hands out every
        // connection already accepted: stopping closes the listening socket instead, which ends
        // the loop once those are served.
        let accepting = Task { try await accept(server, registry) }
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await accepting.value
        } onCancelOrGracefulShutdown: {
            registry.stopAll()
            serverChannel.close(promise: nil)
        }
        logger.info("MLLP listener stopped", metadata: ["port": "\(boundPort)"])
    }

    private func accept(_ server: NIOAsyncChannel<any Channel, Never>, _ registry: ConnectionRegistry) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            // However the loop ends, the connections it leaves are told to stop.
            defer { registry.stopAll() }
            try await server.executeThenClose { inbound in
                do {
                    for try await channel in inbound {
                        guard let gate = registry.admit(channel) else {
                            logger.warning(
                                "MLLP connection refused: too many open connections",
                                metadata: ["maximum": "\(maximumConnections)"])
                            channel.close(promise: nil)
                            continue
                        }
                        guard let connection = try? await Self.open(channel) else {
                            registry.remove(gate)
                            channel.close(promise: nil)
                            continue
                        }
                        group.addTask {
                            await serve(connection, gate)
                            registry.remove(gate)
                        }
                    }
                } catch {
                    // Closing the listening socket to stop may end the loop with an error.
                    guard registry.isStopping else { throw error }
                    logger.debug("MLLP accept loop ended", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Wraps an accepted connection for async use, and only then lets it read.
    ///
    /// The server stream hands out plain channels, not `NIOAsyncChannel`s: NIO stops the process
    /// when a wrapped connection is dropped without `executeThenClose`, and a server stream drops
    /// the connections it holds when the listening socket closes as they arrive (swift-nio#2813).
    /// Until this runs, reads are off, so nothing can arrive before the async handler is in place.
    private static func open(_ channel: any Channel) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await channel.eventLoop.submit {
            guard let options = channel.syncOptions else { throw ChannelError.operationUnsupported }
            // Both happen in this one event-loop turn, before any read is processed; wrapping
            // comes last so that nothing wrapped is dropped if turning reads on fails.
            try options.setOption(.autoRead, value: true)
            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }.get()
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ gate: ConnectionGate) async {
        var logger = self.logger
        logger[metadataKey: "mllp.peer"] = "\(connection.channel.remoteAddress?.description ?? "unknown")"
        logger.debug("MLLP connection opened")
        do {
            try await connection.executeThenClose { inbound, outbound in
                guard !gate.isStopping else { return }
                var decoder = MLLPFrameDecoder(maximumFrameSize: maximumMessageBytes)
                for try await buffer in inbound {
                    let payloads: [[UInt8]]
                    do {
                        payloads = try decoder.append(buffer.readableBytesView)
                    } catch {
                        logger.warning("MLLP framing error; closing the connection", metadata: ["error": "\(error)"])
                        return
                    }
                    for payload in payloads {
                        guard gate.startMessage() else { return }
                        let acknowledgement = await handler(payload)
                        try await outbound.write(ByteBuffer(bytes: MLLPFrameDecoder.frame(acknowledgement)))
                        guard gate.finishMessage() else { return }
                    }
                }
                if decoder.isInsideFrame {
                    logger.warning("MLLP connection closed in the middle of a message")
                }
            }
        } catch {
            logger.debug("MLLP connection ended with an error", metadata: ["error": "\(error)"])
        }
        logger.debug("MLLP connection closed")
    }
}

/// Closes a connection when its `IdleStateHandler` reports it idle.
private final class CloseWhenIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// The connections accepted and the ones open, shared by the accept loop, the connections and
/// the stop signal.
///
/// An accepted connection is tracked from the moment NIO accepts it: when the listening socket
/// closes, NIO's server stream may drop connections it has not handed out yet (swift-nio#2813),
/// and stopping closes those too rather than leave them open with reads off.
private final class ConnectionRegistry: Sendable {
    private struct State {
        var stopping = false
        var accepted: [ObjectIdentifier: any Channel] = [:]
        var open: [ObjectIdentifier: (gate: ConnectionGate, channel: any Channel)] = [:]
    }

    private let maximum: Int
    private let state = Mutex(State())

    init(maximum: Int) {
        self.maximum = maximum
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Notes a connection NIO has just accepted; false when stopping, and it must be closed.
    func accept(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.stopping else { return false }
            state.accepted[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// A gate for a connection handed out by the accept loop, or nil when `maximum` are open already.
    func admit(_ channel: any Channel) -> ConnectionGate? {
        state.withLock { state in
            state.accepted.removeValue(forKey: ObjectIdentifier(channel))
            guard state.open.count < maximum else { return nil }
            let gate = ConnectionGate()
            if state.stopping { _ = gate.stop() }
            state.open[ObjectIdentifier(gate)] = (gate, channel)
            return gate
        }
    }

    func remove(_ gate: ConnectionGate) {
        state.withLock { _ = $0.open.removeValue(forKey: ObjectIdentifier(gate)) }
    }

    /// Tells every connection to stop: ones not handed out and idle ones are closed now, busy
    /// ones after their answer.
    func stopAll() {
        let closing = state.withLock { state in
            state.stopping = true
            let waiting = Array(state.accepted.values)
            state.accepted = [:]
            return waiting + state.open.values.filter { $0.gate.stop() }.map(\.channel)
        }
        for channel in closing { channel.close(promise: nil) }
    }
}

/// Whether a connection is between messages, handling one, or told to stop: on shutdown an
/// idle connection is closed at once, a busy one after its answer is written.
private final class ConnectionGate: Sendable {
    private enum Phase {
        case idle
        case busy
        case stopping
    }

    private let phase = Mutex(Phase.idle)

    /// False when the connection must stop instead.
    func startMessage() -> Bool {
        phase.withLock { phase in
            guard phase == .idle else { return false }
            phase = .busy
            return true
        }
    }

    /// False when the connection must stop now that the message is answered.
    func finishMessage() -> Bool {
        phase.withLock { phase in
            guard phase == .busy else { return false }
            phase = .idle
            return true
        }
    }

    var isStopping: Bool { phase.withLock { $0 == .stopping } }

    /// Asks the connection to stop; true when it is idle and can be closed at once.
    func stop() -> Bool {
        phase.withLock { phase in
            let wasIdle = phase == .idle
            phase = .stopping
            return wasIdle
        }
    }
}
