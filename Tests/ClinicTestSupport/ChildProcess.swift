import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `clinic` binary as a child process, with posix_spawn and waitpid.
///
/// Not Foundation's `Process`, whose exit monitoring on Linux was seen to miss children here.
public struct ChildProcess: Sendable {
    public let pid: pid_t
    let outputPath: String

    /// The `clinic` executable built beside the test bundle.
    public static func clinicExecutable() throws -> String {
        let testBinary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" {  // inside an .xctest bundle on macOS
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let candidate = directory.appendingPathComponent("clinic").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw TestSupportError(
                "\(candidate) not found: build it first (`swift build --build-tests` builds it; `make test` does this)")
        }
        return candidate
    }

    /// Starts `executable` with `arguments`; stdout and stderr go to a file read by `output()`.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> ChildProcess
    {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "clinic-child-\(UUID().uuidString).log"
        ).path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw TestSupportError("posix_spawn \(executable) failed: \(result)") }
        return ChildProcess(pid: pid, outputPath: outputPath)
    }

    /// Runs to completion: exit status and combined output.
    /// Runs to completion: exit status and combined output. A child still running after
    /// `timeout` is killed and the test fails.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String],
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String) {
        let child = try start(executable, arguments, environment: environment)
        let status = try await child.wait(timeout: timeout)
        return (status, child.output())
    }

    /// Waits for exit without blocking a thread for long; kills the child after `timeout`.
    public func wait(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            var status: Int32 = 0
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid {
                // WIFEXITED / WEXITSTATUS, spelled out: Glibc's macros are not imported into Swift.
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                throw TestSupportError("process \(pid) did not exit within \(timeout); output:\n\(output())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    public func output() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
}

/// A free loopback port for a server under test.
public func freeLoopbackPort() throws -> Int { try LocalCluster.freePort() }

/// Runs the built `clinic` binary against a test database (its `DATABASE_URL`), to completion.
public func runClinic(_ arguments: [String], _ db: TestDatabase, timeout: Duration = .seconds(60)) async throws -> (
    status: Int32, output: String
) {
    try await runClinic(arguments, environment: ["DATABASE_URL": db.url], timeout: timeout)
}

/// Runs the built `clinic` binary with exactly this environment, to completion.
public func runClinic(
    _ arguments: [String], environment: [String: String],
    timeout: Duration = .seconds(60)
) async throws -> (status: Int32, output: String) {
    try await ChildProcess.run(
        try ChildProcess.clinicExecutable(), arguments, environment: environment, timeout: timeout)
}
