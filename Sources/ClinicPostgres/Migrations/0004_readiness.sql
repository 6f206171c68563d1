-- Holds and readiness: consent and prior authorization are recorded, and a payer's rule set says
-- whether it needs prior authorization (a new version of the commercial example does).

ALTER TABLE appointments ADD COLUMN consent_recorded_at timestamptz;
ALTER TABLE referrals ADD COLUMN prior_authorization text CHECK (prior_authorization IS NULL OR length(prior_authorization) BETWEEN 1 AND 100);

INSERT INTO candidacy_rule_sets (id, name, version, payer, parameters, created_by) VALUES
    ('7c0f6a10-0000-4000-8000-000000000003', 'commercial-example', 2, 'Commercial Example', '{"highestLevel": "T5", "lowestLevel": "L5", "minimumPainHospitalised": 8, "minimumPainOutpatient": 7, "stablePainCriteriaRequired": 2, "conservativeCareWeeks": 6, "maximumLevelsPerSession": 2, "myelomaExempt": false, "pregnancyIsAbsolute": true, "severeCollapseWarningPercent": 70, "maximumINR": 1.5, "minimumPlatelets": 50, "requiresPriorAuthorization": true}', 'migration 0004');
