import Mustache

/// One object of a letter's context: named fields for `{{object.field}}` and sections, and the
/// words `{{object}}` prints on its own (a date prints in full, a clinic its name).
///
/// A dictionary would do for rendering, but a node can also note every name a template asks
/// for, which is how a clinic's typo is caught before its letters go out blank.
struct ContextNode: MustacheParent, MustacheCustomRenderable {
    let fields: [String: Any]
    let renderText: String
    var isNull: Bool { false }
    let log: LookupLog?

    func child(named name: String) -> Any? {
        log?.record(name)
        return fields[name]
    }
}

/// A fact the letter does not have (no phone, no INR test): falsy in a section, empty when
/// printed. It stops the lookup here, so that a missing field of a hold is not taken from an
/// enclosing object of the same name.
struct Absent: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}

/// The names a template asked the context for, while it is checked against the samples.
/// Rendering is synchronous and the log lives only for that call, so it needs no lock.
final class LookupLog {
    private(set) var names: Set<String> = []

    func record(_ name: String) {
        names.insert(name)
    }
}
