import ClinicInterop
import NIOCore
import NIOPosix
import Testing

@Suite("MLLP listener", .timeLimit(.minutes(1)))
struct MLLPListenerTests {
    private static func message(_ controlID: String) -> [UInt8] {
        Array("MSH|^~\\&|RADIS|MERCY RAD|CLINIC|SPINE CLINIC|20250314101500-0600||ORU^R01|\(controlID)|P|2.5.1\r".utf8)
    }

    /// Answers "ACK " and the payload; slower for the first message, so that answers out of order would show.
    private static let echo: MLLPListener.Handler = { payload in
        if payload == message("1") { try? await Task.sleep(for: .milliseconds(50)) }
        return Array("ACK ".utf8) + payload
    }

    private func withListener<T>(
        maximumConnections: Int = 64, idleTimeout: Duration = .seconds(300),
        _ body: (_ port: Int, _ listener: Task<Void, Never>) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let listener = MLLPListener(
            host: "127.0.0.1", port: 0, maximumConnections: maximumConnections, idleTimeout: idleTimeout,
            onListening: { continuation.yield($0) }, handler: Self.echo)
        let task = Task {
            try? await listener.run()
            continuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let result = try await body(port, task)
        task.cancel()
        await task.value
        return result
    }

    private func connect(_ port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Writes each chunk separately, then reads until `count` answers arrived or the server closed.
    private func exchange(_ port: Int, writing chunks: [[UInt8]], answers count: Int) async throws -> [[UInt8]] {
        let client = try await connect(port)
        return try await client.executeThenClose { inbound, outbound in
            for chunk in chunks {
                try await outbound.write(ByteBuffer(bytes: chunk))
                try await Task.sleep(for: .milliseconds(10))
            }
            var decoder = MLLPFrameDecoder()
            var answers: [[UInt8]] = []
            do {
                for try await buffer in inbound {
                    answers += try decoder.append(buffer.readableBytesView)
                    if answers.count >= count { break }
                }
            } catch let error as MLLPFramingError {
                throw error
            } catch {
                // A reset by the server is a close too.
            }
            return answers
        }
    }

    /// Whether the server closes this connection (its reads end) without answering.
    private func closesWithoutAnswer(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>, after bytes: [UInt8] = [])
        async throws -> Bool
    {
        try await client.executeThenClose { inbound, outbound in
            if !bytes.isEmpty { try await outbound.write(ByteBuffer(bytes: bytes)) }
            var received = 0
            do {
                for try await buffer in inbound { received += buffer.readableBytes }
            } catch {
                // A reset by the server is a close too.
            }
            return received == 0
        }
    }

    @Test("two messages in one write are answered in order")
    func answersTwoMessagesInOneWrite() async throws {
        let answers = try await withListener { port, _ in
            try await exchange(
                port, writing: [MLLPFrameDecoder.frame(Self.message("1")) + MLLPFrameDecoder.frame(Self.message("2"))],
                answers: 2)
        }
        #expect(answers == [Array("ACK ".utf8) + Self.message("1"), Array("ACK ".utf8) + Self.message("2")])
    }

    @Test("a message split over three writes is answered once complete")
    func answersSplitMessage() async throws {
        let framed = MLLPFrameDecoder.frame(Self.message("3"))
        let chunks = [Array(framed.prefix(5)), Array(framed.dropFirst(5).prefix(30)), Array(framed.dropFirst(35))]
        let answers = try await withListener { port, _ in
            try await exchange(port, writing: chunks, answers: 1)
        }
        #expect(answers == [Array("ACK ".utf8) + Self.message("3")])
    }

    @Test("bytes outside a frame close the connection")
    func closesOnFramingError() async throws {
        let closed = try await withListener { port, _ in
            try await closesWithoutAnswer(connect(port), after: Array("GET / HTTP/1.1\r\n\r\n".utf8))
        }
        #expect(closed)
    }

    @Test("an idle connection is closed after the idle timeout")
    func closesIdleConnection() async throws {
        let closed = try await withListener(idleTimeout: .milliseconds(200)) { port, _ in
            try await closesWithoutAnswer(connect(port))
        }
        #expect(closed)
    }

    @Test("a connection beyond the maximum is closed while the others are served")
    func limitsConnections() async throws {
        try await withListener(maximumConnections: 1) { port, _ in
            let first = try await connect(port)
            try await first.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: MLLPFrameDecoder.frame(Self.message("4"))))
                var iterator = inbound.makeAsyncIterator()
                #expect(try await iterator.next() != nil)
                #expect(try await closesWithoutAnswer(connect(port)))
                try await outbound.write(ByteBuffer(bytes: MLLPFrameDecoder.frame(Self.message("5"))))
                #expect(try await iterator.next() != nil)
            }
        }
    }

    @Test("cancelling the service stops it and closes its connections")
    func stopsOnCancellation() async throws {
        try await withListener { port, listener in
            let client = try await connect(port)
            listener.cancel()
            await listener.value
            #expect(try await closesWithoutAnswer(client))
            await #expect(throws: (any Error).self) { try await connect(port).channel.close() }
        }
    }

    @Test("stopping while connections are still arriving closes each of them, never a crash")
    func stopsWhileConnectionsArrive() async throws {
        try await withListener { port, listener in
            await withTaskGroup { group in
                for _ in 0..<40 {
                    group.addTask {
                        guard let client = try? await connect(port) else { return }
                        _ = try? await closesWithoutAnswer(client)
                    }
                }
                try? await Task.sleep(for: .milliseconds(2))
                listener.cancel()
                await listener.value
            }
        }
    }
}
