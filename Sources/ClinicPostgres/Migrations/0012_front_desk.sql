-- What the front desk and the clinic's other systems need: the change feed (an outbox of what
-- happened to referrals, appointments and waitlist offers), webhook subscriptions with their
-- delivery log, per-clinic patient instruction templates, and blocks that can be deleted.

-- The change feed. Each row is written by a trigger in the transaction that made the change, so
-- nothing is announced that did not commit and nothing committed is missed, whichever code path
-- made it. A row's `position` (its place in the feed) is given after it commits, by one sequencer
-- at a time (an advisory lock), in the order the rows became visible: a reader that has seen
-- position N can never later find a committed change below N, which ids from a sequence alone
-- cannot promise (a transaction that drew a lower id may commit later).
CREATE TABLE changes (
    id              bigserial PRIMARY KEY,
    position        bigint UNIQUE,
    clinic_id       uuid NOT NULL REFERENCES clinics(id),
    referral_id     uuid NOT NULL,
    entity          text NOT NULL CHECK (entity IN ('referral', 'appointment', 'offer')),
    entity_id       uuid NOT NULL,
    type            text NOT NULL CHECK (length(type) BETWEEN 1 AND 64),
    occurred_at     timestamptz NOT NULL,
    data            jsonb NOT NULL DEFAULT '{}',
    event_id        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid()
);
CREATE INDEX changes_pending ON changes (id) WHERE position IS NULL;
CREATE INDEX changes_clinic_position ON changes (clinic_id, position) WHERE position IS NOT NULL;

-- An instant as the API writes it everywhere (RFC 3339, UTC, milliseconds), so that an event's
-- data is read back as it was written.
CREATE FUNCTION change_instant(instant timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(instant AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The codes of referral events that only restate an appointment's own change: the appointment's
-- row announces those, once.
CREATE FUNCTION change_from_referral_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind IN ('appointment_confirmed', 'appointment_checked_in', 'appointment_completed', 'visit_cancelled',
                    'rescheduled') THEN
        RETURN NULL;
    END IF;
    -- The feed names what happened in the past tense; a kind added later is announced by its code.
    INSERT INTO changes (clinic_id, referral_id, entity, entity_id, type, occurred_at, data)
    VALUES (NEW.clinic_id, NEW.referral_id, 'referral', NEW.referral_id,
            'referral.' || CASE
                WHEN NEW.kind LIKE 'record_evaluation_%' THEN 'evaluated'
                ELSE CASE NEW.kind
                    WHEN 'triage' THEN 'triaged'
                    WHEN 'route_to_surgical_review' THEN 'routed_to_surgical_review'
                    WHEN 'return_from_surgical_review' THEN 'returned_from_surgical_review'
                    WHEN 'schedule_evaluation' THEN 'evaluation_scheduled'
                    WHEN 'schedule_procedure' THEN 'procedure_scheduled'
                    WHEN 'complete_procedure' THEN 'procedure_completed'
                    WHEN 'schedule_follow_up' THEN 'follow_up_scheduled'
                    WHEN 'appointment_cancelled' THEN 'booking_released'
                    WHEN 'close' THEN 'closed'
                    WHEN 'cancel' THEN 'cancelled'
                    WHEN 'urgency_override' THEN 'urgency_overridden'
                    ELSE NEW.kind
                END
            END,
            NEW.occurred_at,
            jsonb_strip_nulls(jsonb_build_object('fromStatus', NEW.from_status, 'status', NEW.to_status)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER referral_events_change AFTER INSERT ON referral_events
    FOR EACH ROW EXECUTE FUNCTION change_from_referral_event();

-- A rescheduled visit is a new appointment that names the one it replaces: one event,
-- `appointment.rescheduled` on the new one (with `rescheduledFrom`), not a cancellation and a booking.
ALTER TABLE appointments ADD COLUMN rescheduled_from uuid REFERENCES appointments(id);

CREATE FUNCTION change_from_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := CASE WHEN NEW.rescheduled_from IS NOT NULL THEN 'rescheduled'
                     WHEN NEW.state = 'held' THEN 'held' ELSE 'booked' END;
    ELSIF NEW.state = 'cancelled' AND NEW.cancel_reason = 'rescheduled' THEN
        RETURN NULL;  -- the replacing appointment announces the move
    ELSIF NEW.state IS DISTINCT FROM OLD.state THEN
        kind := NEW.state;
    ELSIF NEW.during IS DISTINCT FROM OLD.during THEN
        kind := 'rescheduled';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO changes (clinic_id, referral_id, entity, entity_id, type, occurred_at, data)
    VALUES (NEW.clinic_id, NEW.referral_id, 'appointment', NEW.id, 'appointment.' || kind, NEW.updated_at,
            jsonb_strip_nulls(jsonb_build_object('kind', NEW.kind, 'state', NEW.state,
                               'startsAt', change_instant(lower(NEW.during)), 'endsAt', change_instant(upper(NEW.during)),
                               'rescheduledFrom', NEW.rescheduled_from)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER appointments_change AFTER INSERT OR UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION change_from_appointment();

CREATE FUNCTION change_from_offer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := 'made';
    ELSIF NEW.state IS DISTINCT FROM OLD.state THEN
        kind := NEW.state;
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO changes (clinic_id, referral_id, entity, entity_id, type, occurred_at, data)
    VALUES (NEW.clinic_id, NEW.referral_id, 'offer', NEW.id, 'offer.' || kind, NEW.updated_at,
            jsonb_strip_nulls(jsonb_build_object('state', NEW.state, 'startsAt', change_instant(NEW.starts_at),
                                                 'endsAt', change_instant(NEW.ends_at),
                                                 'expiresAt', change_instant(NEW.expires_at),
                                                 'appointmentId', NEW.appointment_id)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER waitlist_offers_change AFTER INSERT OR UPDATE ON waitlist_offers
    FOR EACH ROW EXECUTE FUNCTION change_from_offer();

-- Only the sequencer edits a change, and only its position.
GRANT SELECT, INSERT ON changes TO clinic_app;
GRANT UPDATE (position) ON changes TO clinic_app;
GRANT USAGE ON SEQUENCE changes_id_seq TO clinic_app;

ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON changes
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));

-- Webhook subscriptions: where to announce which changes, of which clinics (none listed: the
-- whole network). Each walks the feed with its own cursor, so deliveries keep the feed's order
-- (and so each referral's); one server at a time holds a subscription's lease and delivers for it.
CREATE TABLE webhook_subscriptions (
    id                      uuid PRIMARY KEY,
    url                     text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    -- The signing key; shown once when the subscription is made, never answered again.
    secret                  text NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
    event_types             text[] NOT NULL DEFAULT '{}',
    clinic_ids              uuid[] NOT NULL DEFAULT '{}',
    description             text CHECK (length(description) <= 500),
    state                   text NOT NULL CHECK (state IN ('active', 'paused')),
    paused_reason           text,
    -- The feed position delivered (or passed over as not subscribed) up to.
    delivered_through       bigint NOT NULL,
    consecutive_failures    integer NOT NULL DEFAULT 0,
    next_attempt_at         timestamptz NOT NULL,
    last_error              text,
    lease_owner             uuid,
    lease_until             timestamptz,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    created_by              text NOT NULL
);
CREATE INDEX webhook_subscriptions_due ON webhook_subscriptions (next_attempt_at) WHERE state = 'active';

-- Every attempt at a delivery, answered or not.
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    event_id        uuid NOT NULL,
    position        bigint NOT NULL,
    event_type      text NOT NULL,
    attempt         integer NOT NULL CHECK (attempt >= 1),
    attempted_at    timestamptz NOT NULL,
    duration_ms     integer NOT NULL CHECK (duration_ms >= 0),
    outcome         text NOT NULL CHECK (outcome IN ('delivered', 'failed')),
    status_code     integer,
    error           text CHECK (length(error) <= 1000)
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_subscriptions TO clinic_app;
GRANT SELECT, INSERT ON webhook_deliveries TO clinic_app;
GRANT USAGE ON SEQUENCE webhook_deliveries_id_seq TO clinic_app;

-- The front desk finds a patient by MRN, or by family name (any case) and birth date, across
-- the clinics a token reaches.
CREATE INDEX patients_mrn ON patients (mrn);
CREATE INDEX patients_family_birth ON patients (lower(family_name), birth_date);

-- A clinic's own wording of a patient document; a document without a row uses the shipped one.
CREATE TABLE instruction_templates (
    clinic_id   uuid NOT NULL REFERENCES clinics(id),
    document    text NOT NULL CHECK (document IN ('procedure', 'evaluation', 'follow_up', 'aftercare')),
    format      text NOT NULL CHECK (format IN ('html', 'text')),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
    updated_at  timestamptz NOT NULL,
    updated_by  text NOT NULL,
    PRIMARY KEY (clinic_id, document, format)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON instruction_templates TO clinic_app;

-- A block is lifted by deleting it; one laid over bookings on purpose says so.
ALTER TABLE resource_blocks ADD COLUMN over_bookings boolean NOT NULL DEFAULT false;
GRANT DELETE ON resource_blocks TO clinic_app;
