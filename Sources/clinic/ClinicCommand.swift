import ArgumentParser

/// The one executable: server, migrations, tokens, demo data.
@main
struct ClinicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic",
        abstract: "Clinic scheduling and referral backend: server and admin commands.",
        discussion: """
            Configuration comes from the environment (DATABASE_URL, CLINIC_HTTP_HOST, CLINIC_HTTP_PORT, \
            CLINIC_DB_POOL_MAX, CLINIC_LOG_LEVEL) and from flags, which win over the environment.

            Exit codes: 0 success; 1 the operation failed; 2 configuration missing or malformed; \
            3 database unreachable; 4 schema not current (pending or edited migrations); 64 usage error.
            """,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, TokenCommand.self, SeedCommand.self, RolesCommand.self,
            AuditCommand.self, ClinicAdminCommand.self, ResourceCommand.self, ReportCommand.self, CheckCommand.self,
            ReferralsCommand.self, TemplateCommand.self, BlockCommand.self, InstructionsCommand.self,
        ])
}
