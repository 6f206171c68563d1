-- Availability and the report's utilisation read a clinic's live claims in a window and leave out
-- those of holds that have expired. Asking each claim's appointment whether it is such a hold read
-- the appointment row for every claim (224 heap fetches for two weeks of a busy clinic); this
-- index holds only the appointments in state 'held', so the question is a probe of a tiny index.
CREATE INDEX appointments_held ON appointments (id, hold_expires_at) WHERE state = 'held';
