extension Array {
    /// The contract's `maxItems` for a repeated query parameter. The generated server decodes
    /// every repetition and checks no count, so a handler bounds its lists here before using them.
    func atMost(_ limit: Int, at pointer: String) throws -> Self {
        guard count > limit else { return self }
        throw APIProblem.validation(pointer, "may be given at most \(limit) times, not \(count)")
    }
}
