import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement whose rows nobody wants (an advisory lock, a `set_config`) and waits
    /// until it has finished.
    ///
    /// PostgresNIO answers a row-returning statement as soon as the server has bound it, before
    /// it runs; an error raised while it runs (a lock wait past the statement timeout, a deadlock)
    /// arrives with its rows. Rows left unread would lose that error: the transaction would be
    /// aborted without anyone knowing, and the next statement would fail as 25P02 instead.
    func runToEnd(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws {
        for try await _ in try await self.query(query, logger: logger, file: file, line: line) {}
    }
}
