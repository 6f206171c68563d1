-- The nightly report: one record per clinic and day. Every server may start the nightly job at
-- once; an advisory lock lets one compute it while the others wait and then read its record, so a
-- day is reported once and every copy of it shows the same numbers.
CREATE TABLE report_runs (
    id              uuid PRIMARY KEY,
    clinic_id       uuid NOT NULL REFERENCES clinics(id),
    kind            text NOT NULL CHECK (kind IN ('nightly')),
    report_date     date NOT NULL,
    generated_at    timestamptz NOT NULL,
    generated_by    text NOT NULL,
    report          jsonb NOT NULL,
    -- How often the record was asked for, and when last: each run that found it already made.
    requests        integer NOT NULL DEFAULT 1 CHECK (requests >= 1),
    last_requested_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (clinic_id, kind, report_date)
);

-- The report reads the event log by kind and time.
CREATE INDEX referral_events_kind_occurred ON referral_events (kind, occurred_at);
CREATE INDEX referral_events_referral_occurred ON referral_events (referral_id, occurred_at);
