-- Clinic scope. A token reaches a set of clinics, or the whole network; the database enforces it
-- too, so that a query that forgets its filter still cannot show one clinic's patients to another
-- clinic's staff.
--
-- How: every table that holds patient data carries its clinic and has a row-level security policy
-- that admits a row only when its clinic is in the scope the application set on the connection
-- (the setting clinic.scope: 'network', or the clinic ids separated by commas; unset or empty
-- admits nothing). The application sets it before each use of a connection (ClinicDatabase).
-- The owner that migrates is not subject to the policies; clinic_app and every other role is.

-- Tokens: network-wide, or bound to clinics.
ALTER TABLE api_tokens ADD COLUMN all_clinics boolean NOT NULL DEFAULT false;
CREATE TABLE api_token_clinics (
    token_id    uuid NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    clinic_id   uuid NOT NULL REFERENCES clinics(id),
    PRIMARY KEY (token_id, clinic_id)
);
CREATE INDEX api_token_clinics_clinic ON api_token_clinics (clinic_id);
GRANT SELECT, INSERT ON api_token_clinics TO clinic_app;

-- On upgrade nobody gains access: an admin token reached every clinic, present and future, and
-- stays network-wide; any other token reached the clinics that exist now and is bound to exactly
-- those, so a clinic created later is not reached by it until a token is issued for it.
UPDATE api_tokens SET all_clinics = true WHERE role = 'admin';
INSERT INTO api_token_clinics (token_id, clinic_id)
    SELECT t.id, c.id FROM api_tokens t CROSS JOIN clinics c WHERE t.role <> 'admin';

-- The clinic of rows that had it only through their parent, filled in on insert.
ALTER TABLE referral_events ADD COLUMN clinic_id uuid REFERENCES clinics(id);
ALTER TABLE evaluations ADD COLUMN clinic_id uuid REFERENCES clinics(id);
ALTER TABLE imaging_result_revisions ADD COLUMN clinic_id uuid REFERENCES clinics(id);
ALTER TABLE imaging_findings ADD COLUMN clinic_id uuid REFERENCES clinics(id);

-- The event log is append-only; filling in the new column is the one edit it gets, here.
ALTER TABLE referral_events DISABLE TRIGGER referral_events_no_update_or_delete;
UPDATE referral_events e SET clinic_id = r.clinic_id FROM referrals r WHERE r.id = e.referral_id;
ALTER TABLE referral_events ENABLE TRIGGER referral_events_no_update_or_delete;
UPDATE evaluations e SET clinic_id = r.clinic_id FROM referrals r WHERE r.id = e.referral_id;
UPDATE imaging_result_revisions v SET clinic_id = i.clinic_id FROM imaging_results i WHERE i.id = v.imaging_result_id;
UPDATE imaging_findings f SET clinic_id = i.clinic_id FROM imaging_results i WHERE i.id = f.imaging_result_id;

ALTER TABLE referral_events ALTER COLUMN clinic_id SET NOT NULL;
ALTER TABLE evaluations ALTER COLUMN clinic_id SET NOT NULL;
ALTER TABLE imaging_result_revisions ALTER COLUMN clinic_id SET NOT NULL;
ALTER TABLE imaging_findings ALTER COLUMN clinic_id SET NOT NULL;

-- Rows inserted by the application take their parent's clinic. The parent is read under the
-- inserting role's own scope: a row for a parent it cannot see gets no clinic and is refused.
CREATE FUNCTION clinic_from_referral() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.clinic_id := (SELECT clinic_id FROM referrals WHERE id = NEW.referral_id);
    RETURN NEW;
END;
$$;
CREATE FUNCTION clinic_from_imaging_result() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.clinic_id := (SELECT clinic_id FROM imaging_results WHERE id = NEW.imaging_result_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER referral_events_clinic BEFORE INSERT ON referral_events
    FOR EACH ROW EXECUTE FUNCTION clinic_from_referral();
CREATE TRIGGER evaluations_clinic BEFORE INSERT ON evaluations
    FOR EACH ROW EXECUTE FUNCTION clinic_from_referral();
CREATE TRIGGER imaging_result_revisions_clinic BEFORE INSERT ON imaging_result_revisions
    FOR EACH ROW EXECUTE FUNCTION clinic_from_imaging_result();
CREATE TRIGGER imaging_findings_clinic BEFORE INSERT ON imaging_findings
    FOR EACH ROW EXECUTE FUNCTION clinic_from_imaging_result();

-- The scope every policy reads: whether it is the whole network, and otherwise its clinics (none
-- when unset or empty). Each policy wraps the calls in a scalar sub-select, which PostgreSQL runs
-- once per statement (an InitPlan) instead of once per row: parsing the setting per row cost a
-- quarter of a 50-referral page's throughput (bench/scope-rls.sh).
CREATE FUNCTION clinic_scope_is_network() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('clinic.scope', true), '') = 'network'
$$;
CREATE FUNCTION clinic_scope_ids() RETURNS uuid[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE coalesce(current_setting('clinic.scope', true), '')
        WHEN 'network' THEN '{}'::uuid[]
        WHEN '' THEN '{}'::uuid[]
        ELSE string_to_array(current_setting('clinic.scope', true), ',')::uuid[]
    END
$$;

ALTER TABLE patients ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON patients
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE imaging_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON imaging_results
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE imaging_result_revisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON imaging_result_revisions
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE imaging_findings ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON imaging_findings
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE referrals ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON referrals
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE referral_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON referral_events
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE evaluations ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON evaluations
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON appointments
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE waitlist_offers ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON waitlist_offers
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
ALTER TABLE report_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON report_runs
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));

-- Which clinic an entity belongs to, whatever the caller's scope: only so that a refusal can be
-- audited with the clinic that was asked for. It returns an id, never patient data.
CREATE FUNCTION clinic_of(entity text, entity_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT CASE entity
        WHEN 'referral' THEN (SELECT clinic_id FROM public.referrals WHERE id = entity_id)
        WHEN 'appointment' THEN (SELECT clinic_id FROM public.appointments WHERE id = entity_id)
        WHEN 'imaging_result' THEN (SELECT clinic_id FROM public.imaging_results WHERE id = entity_id)
        WHEN 'offer' THEN (SELECT clinic_id FROM public.waitlist_offers WHERE id = entity_id)
        WHEN 'resource' THEN (SELECT clinic_id FROM public.resources WHERE id = entity_id)
        WHEN 'patient' THEN (SELECT clinic_id FROM public.patients WHERE id = entity_id)
        WHEN 'clinic' THEN (SELECT id FROM public.clinics WHERE id = entity_id)
    END
$$;
REVOKE ALL ON FUNCTION clinic_of(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinic_of(text, uuid) TO clinic_app;

-- A refusal names the clinic that was asked for (an entity outside the caller's scope).
ALTER TABLE audit_log ADD COLUMN clinic_id uuid;
CREATE INDEX audit_log_clinic ON audit_log (clinic_id, id) WHERE clinic_id IS NOT NULL;
