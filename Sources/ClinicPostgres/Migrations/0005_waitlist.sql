-- The waitlist's offers: a freed procedure time offered to one candidate at a time, until it is
-- accepted, declined or expires, then passed to the next.
CREATE TABLE waitlist_offers (
    id              uuid PRIMARY KEY,
    referral_id     uuid NOT NULL REFERENCES referrals(id),
    clinic_id       uuid NOT NULL REFERENCES clinics(id),
    freed_by        uuid NOT NULL REFERENCES appointments(id),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    resource_ids    uuid[] NOT NULL,
    state           text NOT NULL CHECK (state IN ('offered', 'accepted', 'declined', 'expired')),
    expires_at      timestamptz NOT NULL,
    appointment_id  uuid REFERENCES appointments(id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- A freed time is offered to one candidate at a time.
CREATE UNIQUE INDEX waitlist_one_open_offer ON waitlist_offers (freed_by) WHERE state = 'offered';
CREATE INDEX waitlist_offers_clinic ON waitlist_offers (clinic_id, created_at);
