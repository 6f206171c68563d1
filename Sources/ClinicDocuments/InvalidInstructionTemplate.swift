/// Why a template was refused, for a 422 or a CLI error: one sentence an administrator can act
/// on, with the line when the template's text is at fault.
public struct InvalidInstructionTemplate: Error, Sendable {
    public let message: String

    init(_ message: String) {
        self.message = message
    }
}
