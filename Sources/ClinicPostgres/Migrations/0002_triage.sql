-- Referral intake: clinical flags and triage on referrals, replay detection for imaging results.

ALTER TABLE referrals
    ADD COLUMN neurological_deficit boolean NOT NULL DEFAULT false,
    ADD COLUMN cancer_history       boolean NOT NULL DEFAULT false,
    ADD COLUMN long_term_steroids   boolean NOT NULL DEFAULT false,
    ADD COLUMN known_osteoporosis   boolean NOT NULL DEFAULT false,
    ADD COLUMN severe_pain          boolean NOT NULL DEFAULT false,
    ADD COLUMN hospitalised         boolean NOT NULL DEFAULT false,
    -- A clinician's or scheduler's explicit urgency, with why; wins over the assessed one.
    ADD COLUMN urgency_override     text CHECK (urgency_override IN ('routine', 'urgent', 'surgical_review')),
    ADD COLUMN urgency_override_reason text,
    ADD CONSTRAINT referrals_override_has_reason CHECK (urgency_override IS NULL OR urgency_override_reason IS NOT NULL);

CREATE INDEX referrals_urgency_created ON referrals (urgency, created_at DESC, id DESC);
CREATE INDEX referrals_due ON referrals (evaluation_due_on) WHERE status IN ('received', 'triaged', 'surgical_review', 'evaluation_scheduled');
CREATE INDEX referrals_window ON referrals (window_closes_on) WHERE status NOT IN ('procedure_scheduled', 'procedure_done', 'follow_up_scheduled', 'closed', 'cancelled', 'not_candidate');

-- SHA-256 of the current revision's content: the same message again is a replay, not a revision.
ALTER TABLE imaging_results ADD COLUMN content_hash bytea NOT NULL DEFAULT '\x';
ALTER TABLE imaging_results ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
