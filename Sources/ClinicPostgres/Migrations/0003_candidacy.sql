-- Kyphoplasty evaluation: candidacy rule sets as versioned data, and what an evaluation records.

-- A change to a rule set is a new version (same name, version + 1); rows are never edited, so an
-- evaluation always shows the exact rules it was judged by.
CREATE TABLE candidacy_rule_sets (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    version     integer NOT NULL CHECK (version >= 1),
    payer       text CHECK (payer IS NULL OR length(payer) BETWEEN 1 AND 100),
    parameters  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX candidacy_rule_sets_payer ON candidacy_rule_sets (lower(payer));

CREATE FUNCTION candidacy_rule_sets_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'candidacy rule sets are versioned: insert a new version instead' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER candidacy_rule_sets_no_update
    BEFORE UPDATE OR DELETE ON candidacy_rule_sets
    FOR EACH ROW EXECUTE FUNCTION candidacy_rule_sets_are_immutable();

-- The default after the Medicare coverage policy, and a stricter commercial example.
INSERT INTO candidacy_rule_sets (id, name, version, payer, parameters, created_by) VALUES
    ('7c0f6a10-0000-4000-8000-000000000001', 'medicare-default', 1, NULL, '{"highestLevel": "T1", "lowestLevel": "L5", "minimumPainHospitalised": 8, "minimumPainOutpatient": 5, "stablePainCriteriaRequired": 2, "conservativeCareWeeks": 4, "maximumLevelsPerSession": 3, "myelomaExempt": true, "pregnancyIsAbsolute": true, "severeCollapseWarningPercent": 70, "maximumINR": 1.5, "minimumPlatelets": 50}', 'migration 0003'),
    ('7c0f6a10-0000-4000-8000-000000000002', 'commercial-example', 1, 'Commercial Example', '{"highestLevel": "T5", "lowestLevel": "L5", "minimumPainHospitalised": 8, "minimumPainOutpatient": 7, "stablePainCriteriaRequired": 2, "conservativeCareWeeks": 6, "maximumLevelsPerSession": 2, "myelomaExempt": false, "pregnancyIsAbsolute": true, "severeCollapseWarningPercent": 70, "maximumINR": 1.5, "minimumPlatelets": 50}', 'migration 0003');

-- The rule set a clinic uses when the referral's payer has none of its own.
ALTER TABLE clinics ADD COLUMN default_rule_set text NOT NULL DEFAULT 'medicare-default';

ALTER TABLE evaluations
    ADD COLUMN rule_set_version integer,
    ADD COLUMN recommendation text CHECK (recommendation IN ('candidate', 'not_candidate', 'needs_information')),
    ADD COLUMN against_recommendation boolean NOT NULL DEFAULT false,
    ADD COLUMN clinician_name text,
    ADD COLUMN clinician_role text,
    ADD CONSTRAINT evaluations_rule_set_fk FOREIGN KEY (rule_set_id) REFERENCES candidacy_rule_sets(id),
    ADD CONSTRAINT evaluations_against_has_reason CHECK (NOT against_recommendation OR decision_reason IS NOT NULL),
    ADD CONSTRAINT evaluations_deferred_has_date CHECK (decision <> 'deferred' OR reevaluate_on IS NOT NULL);
