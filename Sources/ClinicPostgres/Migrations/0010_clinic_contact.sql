-- How patients reach a clinic: its booking phone, web page and postal address, published with
-- its availability (SMART Scheduling Links' Location). All optional; the service checks lengths
-- and shapes, the table keeps them bounded whatever writes it.
ALTER TABLE clinics
    ADD COLUMN phone               text CHECK (char_length(phone) <= 40),
    ADD COLUMN website             text CHECK (char_length(website) <= 200 AND website ~ '^https?://'),
    ADD COLUMN address_lines       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(address_lines) <= 2),
    ADD COLUMN address_city        text CHECK (char_length(address_city) <= 100),
    ADD COLUMN address_state       text CHECK (char_length(address_state) <= 50),
    ADD COLUMN address_postal_code text CHECK (char_length(address_postal_code) <= 20),
    ADD COLUMN address_country     text CHECK (address_country ~ '^[A-Z]{2}$');
