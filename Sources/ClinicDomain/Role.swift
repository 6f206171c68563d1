/// What an API token may do; each token has exactly one role.
public enum Role: String, CaseIterable, Sendable, Codable, Hashable {
    /// Runs the clinic: configuration, tokens, audit, everything else.
    case admin
    /// Books and moves appointments, manages referrals.
    case scheduler
    /// Spine specialists: evaluations and clinical decisions.
    case clinician
    /// Imaging and referral interfaces: may create, never browse.
    case intake
    /// Reads reports and lists; changes nothing.
    case reporter
}
