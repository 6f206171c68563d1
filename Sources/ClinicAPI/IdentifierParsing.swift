import ClinicDomain

/// Parsing what a client sent into the domain's types, at the edge: handlers parse, services take
/// typed values. A value that does not parse is a 400 naming where it was.
extension Identifier {
    /// Parses an id, or answers 400 at `pointer`.
    init(_ text: String, at pointer: String) throws {
        guard let id = Self(string: text) else { throw APIProblem.validation(pointer, "must be a UUID") }
        self = id
    }

    /// Parses a list of ids, naming every one that is not a UUID (`pointer/index`).
    static func list(_ texts: [String], at pointer: String) throws -> [Self] {
        var problems: [FieldViolation] = []
        let ids = texts.enumerated().compactMap { index, text in
            let id = Self(string: text)
            if id == nil { problems.append(FieldViolation(pointer: "\(pointer)/\(index)", message: "must be a UUID")) }
            return id
        }
        guard problems.isEmpty else { throw APIProblem.validation(problems) }
        return ids
    }
}

extension LocalDate {
    /// Parses a `YYYY-MM-DD` date, or answers 400 at `pointer`.
    init(_ text: String, at pointer: String) throws {
        guard let date = try? LocalDate(iso8601: text) else {
            throw APIProblem.validation(pointer, "must be a date as YYYY-MM-DD")
        }
        self = date
    }
}
