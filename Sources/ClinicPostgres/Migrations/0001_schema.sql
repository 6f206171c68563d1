-- The schema for the whole pathway as far as it is known: clinics and their resources, patients,
-- imaging, referrals with their event log, evaluations, appointments under the no-double-booking
-- constraint, tokens, the audit trail and idempotency keys. Later files only add to it.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE clinics (
    id                      uuid PRIMARY KEY,
    name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone               text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    minutes_per_level       integer NOT NULL DEFAULT 60 CHECK (minutes_per_level BETWEEN 10 AND 240),
    turnover_minutes        integer NOT NULL DEFAULT 15 CHECK (turnover_minutes BETWEEN 0 AND 240),
    recovery_minutes        integer NOT NULL DEFAULT 90 CHECK (recovery_minutes BETWEEN 0 AND 480),
    evaluation_minutes      integer NOT NULL DEFAULT 45 CHECK (evaluation_minutes BETWEEN 5 AND 480),
    follow_up_minutes       integer NOT NULL DEFAULT 20 CHECK (follow_up_minutes BETWEEN 5 AND 480),
    hold_minutes            integer NOT NULL DEFAULT 30 CHECK (hold_minutes BETWEEN 1 AND 1440),
    offer_hours             integer NOT NULL DEFAULT 24 CHECK (offer_hours BETWEEN 1 AND 336),
    urgent_due_days         integer NOT NULL DEFAULT 3 CHECK (urgent_due_days BETWEEN 0 AND 60),
    routine_due_days        integer NOT NULL DEFAULT 14 CHECK (routine_due_days BETWEEN 0 AND 180),
    candidacy_window_days   integer NOT NULL DEFAULT 84 CHECK (candidacy_window_days BETWEEN 1 AND 365),
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now()
);

-- Opening hours per ISO weekday (1 = Monday), as wall-clock times in the clinic's zone.
CREATE TABLE clinic_hours (
    clinic_id   uuid NOT NULL REFERENCES clinics(id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens_at    time NOT NULL,
    closes_at   time NOT NULL,
    PRIMARY KEY (clinic_id, weekday),
    CHECK (opens_at < closes_at)
);

CREATE TABLE resources (
    id          uuid PRIMARY KEY,
    clinic_id   uuid NOT NULL REFERENCES clinics(id),
    kind        text NOT NULL CHECK (kind IN ('procedure_room', 'consult_room', 'proceduralist', 'evaluator', 'anesthesia')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (clinic_id, name)
);
CREATE INDEX resources_clinic_kind ON resources (clinic_id, kind) WHERE active;

-- Weekly availability per resource, wall-clock in the clinic's zone.
CREATE TABLE availability_templates (
    id          uuid PRIMARY KEY,
    resource_id uuid NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts_at   time NOT NULL,
    ends_at     time NOT NULL,
    CHECK (starts_at < ends_at),
    EXCLUDE USING gist (resource_id WITH =, weekday WITH =, tsrange('2000-01-01'::date + starts_at, '2000-01-01'::date + ends_at) WITH &&)
);

-- Holidays, leave, maintenance: time a resource is not available.
CREATE TABLE resource_blocks (
    id          uuid PRIMARY KEY,
    resource_id uuid NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    during      tstzrange NOT NULL CHECK (NOT isempty(during)),
    kind        text NOT NULL CHECK (kind IN ('holiday', 'leave', 'maintenance', 'other')),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resource_blocks_during ON resource_blocks USING gist (resource_id, during);

CREATE TABLE patients (
    id          uuid PRIMARY KEY,
    clinic_id   uuid NOT NULL REFERENCES clinics(id),
    mrn         text NOT NULL CHECK (length(mrn) BETWEEN 1 AND 64),
    given_name  text NOT NULL,
    family_name text NOT NULL,
    birth_date  date NOT NULL,
    sex         text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (clinic_id, mrn)
);

-- One row per (source system, accession): the current version. Earlier versions live in revisions.
CREATE TABLE imaging_results (
    id                  uuid PRIMARY KEY,
    source_system       text NOT NULL CHECK (length(source_system) BETWEEN 1 AND 100),
    accession_number    text NOT NULL CHECK (length(accession_number) BETWEEN 1 AND 100),
    clinic_id           uuid NOT NULL REFERENCES clinics(id),
    patient_id          uuid NOT NULL REFERENCES patients(id),
    modality            text NOT NULL CHECK (modality IN ('XR', 'MR', 'CT', 'NM')),
    result_status       text NOT NULL CHECK (result_status IN ('preliminary', 'final', 'corrected', 'cancelled')),
    performed_at        timestamptz NOT NULL,
    impression          text NOT NULL DEFAULT '',
    revision            integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    received_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_system, accession_number)
);
CREATE INDEX imaging_results_patient ON imaging_results (patient_id);

CREATE TABLE imaging_result_revisions (
    imaging_result_id   uuid NOT NULL REFERENCES imaging_results(id),
    revision            integer NOT NULL CHECK (revision >= 1),
    result_status       text NOT NULL,
    performed_at        timestamptz NOT NULL,
    impression          text NOT NULL,
    findings            jsonb NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (imaging_result_id, revision)
);

-- Findings of the current revision, one row per reported level. Levels are kept as reported,
-- with their study: "L1" in two studies is not assumed to be the same vertebra.
CREATE TABLE imaging_findings (
    id                      uuid PRIMARY KEY,
    imaging_result_id       uuid NOT NULL REFERENCES imaging_results(id) ON DELETE CASCADE,
    level                   text NOT NULL CHECK (level ~ '^(C[1-7]|T([1-9]|1[0-2])|L[1-5]|S1)$'),
    height_loss_percent     numeric(5, 2) NOT NULL CHECK (height_loss_percent BETWEEN 0 AND 100),
    morphology              text CHECK (morphology IN ('wedge', 'biconcave', 'crush')),
    edema                   text NOT NULL CHECK (edema IN ('present', 'absent', 'unknown')),
    retropulsion            boolean NOT NULL DEFAULT false,
    suspected_malignancy    boolean NOT NULL DEFAULT false,
    suspected_infection     boolean NOT NULL DEFAULT false,
    UNIQUE (imaging_result_id, level)
);

CREATE TABLE referrals (
    id                          uuid PRIMARY KEY,
    clinic_id                   uuid NOT NULL REFERENCES clinics(id),
    patient_id                  uuid NOT NULL REFERENCES patients(id),
    referring_clinician_name    text NOT NULL,
    referring_clinician_npi     text CHECK (referring_clinician_npi ~ '^[0-9]{10}$'),
    reason                      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    symptom_onset               date,
    status                      text NOT NULL CHECK (status IN ('received', 'triaged', 'surgical_review',
                                    'evaluation_scheduled', 'candidate', 'not_candidate', 'deferred',
                                    'procedure_scheduled', 'procedure_done', 'follow_up_scheduled', 'closed', 'cancelled')),
    urgency                     text CHECK (urgency IN ('routine', 'urgent', 'surgical_review')),
    urgency_reasons             jsonb NOT NULL DEFAULT '[]',
    evaluation_due_on           date,
    window_closes_on            date,
    payer                       text,
    cancel_reason               text,
    version                     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination walks (created_at, id) newest first, optionally within one status or clinic.
CREATE INDEX referrals_created ON referrals (created_at DESC, id DESC);
CREATE INDEX referrals_status_created ON referrals (status, created_at DESC, id DESC);
CREATE INDEX referrals_clinic_created ON referrals (clinic_id, created_at DESC, id DESC);
CREATE INDEX referrals_patient ON referrals (patient_id);

CREATE TABLE referral_imaging (
    referral_id         uuid NOT NULL REFERENCES referrals(id),
    imaging_result_id   uuid NOT NULL REFERENCES imaging_results(id),
    PRIMARY KEY (referral_id, imaging_result_id)
);
CREATE INDEX referral_imaging_result ON referral_imaging (imaging_result_id);

-- Append-only: every status move and every triage change, written in the transaction that made it.
CREATE TABLE referral_events (
    id              bigserial PRIMARY KEY,
    referral_id     uuid NOT NULL REFERENCES referrals(id),
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_token_id  uuid,
    actor_name      text NOT NULL,
    actor_role      text NOT NULL,
    kind            text NOT NULL,
    from_status     text,
    to_status       text NOT NULL,
    reason          text,
    details         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);
CREATE INDEX referral_events_to_status ON referral_events (to_status, occurred_at);

CREATE TABLE evaluations (
    id                  uuid PRIMARY KEY,
    referral_id         uuid NOT NULL REFERENCES referrals(id),
    clinician_token_id  uuid,
    inputs              jsonb NOT NULL,
    assessment          jsonb NOT NULL,
    rule_set_id         uuid,
    decision            text NOT NULL CHECK (decision IN ('candidate', 'not_candidate', 'deferred')),
    decision_reason     text,
    reevaluate_on       date,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evaluations_referral ON evaluations (referral_id, created_at);

CREATE TABLE appointments (
    id                  uuid PRIMARY KEY,
    referral_id         uuid NOT NULL REFERENCES referrals(id),
    clinic_id           uuid NOT NULL REFERENCES clinics(id),
    kind                text NOT NULL CHECK (kind IN ('evaluation', 'procedure', 'follow_up')),
    state               text NOT NULL CHECK (state IN ('held', 'booked', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show')),
    during              tstzrange NOT NULL CHECK (NOT isempty(during)),
    hold_expires_at     timestamptz,
    overbooked          boolean NOT NULL DEFAULT false,
    overbook_reason     text,
    cancel_reason       text,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT overbooked OR overbook_reason IS NOT NULL),
    CHECK ((state = 'held') = (hold_expires_at IS NOT NULL))
);
CREATE INDEX appointments_clinic_during ON appointments USING gist (clinic_id, during);
CREATE INDEX appointments_referral ON appointments (referral_id);

-- The no-double-booking invariant: an active claim on a resource may not overlap another.
-- An audited overbooking is flagged and left out of the predicate: the only way past it.
CREATE TABLE appointment_resources (
    appointment_id  uuid NOT NULL REFERENCES appointments(id),
    resource_id     uuid NOT NULL REFERENCES resources(id),
    during          tstzrange NOT NULL CHECK (NOT isempty(during)),
    active          boolean NOT NULL DEFAULT true,
    overbooked      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (appointment_id, resource_id),
    EXCLUDE USING gist (resource_id WITH =, during WITH &&) WHERE (active AND NOT overbooked)
);
CREATE INDEX appointment_resources_resource ON appointment_resources USING gist (resource_id, during) WHERE active;

CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role            text NOT NULL CHECK (role IN ('admin', 'scheduler', 'clinician', 'intake', 'reporter')),
    -- SHA-256 of the secret; the secret itself is shown once and never stored.
    token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);

-- Who did or read what. Append-only: a trigger refuses every UPDATE and DELETE, even for the owner.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_token_id  uuid,
    actor_name      text NOT NULL,
    actor_role      text NOT NULL,
    action          text NOT NULL,
    entity_type     text NOT NULL,
    entity_id       uuid,
    request_id      text,
    outcome         text NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
    details         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- A POST retried with the same Idempotency-Key returns the first answer and creates nothing.
CREATE TABLE idempotency_keys (
    scope           text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash    bytea NOT NULL,
    entity_id       uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
