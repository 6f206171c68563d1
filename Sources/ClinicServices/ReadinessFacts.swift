import ClinicDomain

/// What a procedure's readiness needs beyond its plan: the newest imaging date and the payer's
/// prior authorization, read for a referral.
public struct ReadinessFacts: Sendable, Equatable {
    /// The day the newest imaging result that is not cancelled was performed, in the clinic's zone.
    public var latestImaging: LocalDate?
    public var priorAuthorization: String?

    public init(latestImaging: LocalDate?, priorAuthorization: String?) {
        self.latestImaging = latestImaging
        self.priorAuthorization = priorAuthorization
    }
}
