import ArgumentParser
import ClinicDomain

/// `clinic roles`: prints the permission matrix the server enforces, and what a token's clinic scope adds.
struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "Print the permission matrix: which role may call which operation, and where (clinic scope).")

    @Flag(help: "Print only the matrix, as Markdown (the README's table).") var markdown = false

    func run() {
        print(PermissionMatrix.table(markdown: markdown))
        if !markdown { print("\n" + Self.scopes) }
    }

    /// What the role does not say: which clinics a token reaches.
    static let scopes = """
        Clinic scope: a role says what a token may do; its scope says where. Every token is bound
        to clinics (clinic token create --clinic ID [--clinic ID ...]) or to the whole network
        (--all-clinics):
          - another clinic's referrals, patients, imaging, appointments, offers and resources are
            answered as if they did not exist (404, or 422 where a body names them);
          - lists without clinicId show only the token's clinics; a clinicId outside the scope is
            refused like an unknown clinic (a list answers an empty page);
          - an intake token stores results only for the clinics of its feed;
          - createClinic, createCandidacyRuleSetVersion, listAuditEntries and getNetworkReport
            need an --all-clinics token (403 /problems/outside-scope otherwise);
          - every refusal is audited as scope.refused, with the clinic asked for.
        """
}
