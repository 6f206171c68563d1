-- Interface messages acknowledged: an HL7 message's control id (MSH-10) per sender and clinic,
-- the digest of what was sent under it and the ACK it got. A redelivery (the same control id and
-- content, e.g. after a lost ACK, even when later messages have revised the result since) is
-- answered with that ACK and changes nothing; the same control id with other content is refused.
-- Only accepted messages are kept: a refused one may be corrected and sent again under its id.
CREATE TABLE interface_messages (
    clinic_id       uuid NOT NULL REFERENCES clinics(id),
    sender          text NOT NULL CHECK (char_length(sender) BETWEEN 1 AND 400),
    control_id      text NOT NULL CHECK (char_length(control_id) BETWEEN 1 AND 199),
    digest          bytea NOT NULL CHECK (octet_length(digest) = 32),
    acknowledgement text NOT NULL CHECK (char_length(acknowledgement) <= 20000),
    received_at     timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, sender, control_id)
);
GRANT SELECT, INSERT ON interface_messages TO clinic_app;

ALTER TABLE interface_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY clinic_scope ON interface_messages
    USING ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]))
    WITH CHECK ((SELECT clinic_scope_is_network()) OR clinic_id = ANY ((SELECT clinic_scope_ids())::uuid[]));
