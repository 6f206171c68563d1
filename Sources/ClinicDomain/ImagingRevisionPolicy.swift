/// What to do with a result for an accession: store it new, treat it as a replay, take it as a
/// revision, or refuse it. Results are revised preliminary -> final -> corrected (or cancelled).
public enum ImagingRevisionPolicy {
    public enum Decision: Equatable, Sendable {
        case create
        case replay
        case revise
        case refuse(pointer: String, reason: String, conflict: Bool)
    }

    /// - Parameters:
    ///   - current: the stored status and content digest, nil for an accession never seen.
    public static func decide(
        current: (status: ResultStatus, contentHash: [UInt8])?, incoming status: ResultStatus,
        contentHash: [UInt8]
    ) -> Decision {
        guard let current else {
            switch status {
            case .preliminary, .final: return .create
            case .corrected:
                return .refuse(
                    pointer: "/resultStatus",
                    reason: "a corrected result for an accession never seen; send the original first", conflict: false)
            case .cancelled:
                return .refuse(
                    pointer: "/resultStatus", reason: "a cancellation for an accession never seen", conflict: false)
            }
        }
        if current.contentHash == contentHash { return .replay }
        if current.status == .cancelled {
            return .refuse(
                pointer: "/resultStatus", reason: "this accession was cancelled; it takes no further revisions",
                conflict: true)
        }
        if status < current.status {
            return .refuse(
                pointer: "/resultStatus",
                reason:
                    "a \(status.rawValue) result arrived after the \(current.status.rawValue) one; it is older than what is stored",
                conflict: true)
        }
        if status == .final && current.status == .final {
            return .refuse(
                pointer: "/resultStatus",
                reason: "a final result differs from the stored final one; send it as corrected", conflict: true)
        }
        return .revise
    }
}
