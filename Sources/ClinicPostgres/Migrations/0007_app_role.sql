-- Least privilege. The schema belongs to the role that runs `clinic migrate` (the owner); the server
-- and every other command connect as clinic_app, which gets here exactly what their statements need
-- and nothing more: no DDL, no ownership, no TRUNCATE anywhere, and no UPDATE or DELETE on the two
-- append-only histories (audit_log, referral_events). A later migration that adds a table grants
-- on it in the same file. clinic_app may be a login role itself or a group the login roles belong to.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clinic_app') THEN
        RAISE EXCEPTION 'the role clinic_app does not exist'
            USING HINT = 'As a superuser: CREATE ROLE clinic_app LOGIN PASSWORD ''...''; (README, Security), then run clinic migrate again.';
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO clinic_app;

-- Reference data and configuration the API edits.
GRANT SELECT, INSERT, UPDATE ON clinics TO clinic_app;
GRANT SELECT, INSERT ON clinic_hours TO clinic_app;
GRANT SELECT, INSERT, UPDATE (name, active) ON resources TO clinic_app;  -- UPDATE also lets a template change lock its resource
GRANT SELECT, INSERT, DELETE ON availability_templates TO clinic_app;   -- a template is replaced whole
GRANT SELECT, INSERT ON resource_blocks TO clinic_app;
GRANT SELECT, INSERT ON candidacy_rule_sets TO clinic_app;              -- versions are added, never edited
GRANT SELECT, INSERT, UPDATE ON api_tokens TO clinic_app;               -- last used, revoked

-- Patients, imaging and referrals.
GRANT SELECT, INSERT ON patients TO clinic_app;
GRANT SELECT, INSERT, UPDATE ON imaging_results TO clinic_app;          -- the current revision
GRANT SELECT, INSERT ON imaging_result_revisions TO clinic_app;
GRANT SELECT, INSERT, DELETE ON imaging_findings TO clinic_app;         -- replaced by a revision
GRANT SELECT, INSERT, UPDATE ON referrals TO clinic_app;
GRANT SELECT, INSERT ON referral_imaging TO clinic_app;
GRANT SELECT, INSERT ON evaluations TO clinic_app;

-- Scheduling.
GRANT SELECT, INSERT, UPDATE ON appointments TO clinic_app;
GRANT SELECT, INSERT, UPDATE ON appointment_resources TO clinic_app;   -- a claim is released, never deleted
GRANT SELECT, INSERT, UPDATE ON waitlist_offers TO clinic_app;

-- Bookkeeping.
GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO clinic_app;
GRANT SELECT, INSERT, UPDATE ON report_runs TO clinic_app;              -- --recompute replaces a record
GRANT SELECT ON schema_migrations TO clinic_app;                         -- /ready and serve check it

-- The append-only histories: read and append, nothing else.
GRANT SELECT, INSERT ON audit_log TO clinic_app;
GRANT SELECT, INSERT ON referral_events TO clinic_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq, referral_events_id_seq TO clinic_app;

-- The event log gets the audit trail's guard too: even its owner cannot edit or delete an event
-- without first disabling this trigger.
CREATE FUNCTION referral_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'referral_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER referral_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON referral_events
    FOR EACH ROW EXECUTE FUNCTION referral_events_are_append_only();
CREATE TRIGGER referral_events_no_truncate
    BEFORE TRUNCATE ON referral_events
    FOR EACH STATEMENT EXECUTE FUNCTION referral_events_are_append_only();
