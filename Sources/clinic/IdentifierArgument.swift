import ClinicDomain

extension Identifier {
    /// Parses an id given on the command line, or fails naming the option (exit 1, as before).
    static func parse(_ text: String, _ option: String) throws -> Self {
        guard let id = Self(string: text) else { throw CLIError.failed("\(option) must be a UUID, not \"\(text)\"") }
        return id
    }
}
