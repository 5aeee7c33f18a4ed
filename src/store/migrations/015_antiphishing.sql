-- 015: protection from fake support (issue 7). A customer's anti-phishing code, shown in
-- every message Frontdesk sends them; the registry of official contacts that /verify
-- checks; and the secret that agents' rotating chat verification codes derive from.

CREATE TABLE antiphish_codes (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    code TEXT NOT NULL,
    set_by INTEGER REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

-- kind: email, domain, phone, telegram, x. value is normalized (lower-case, domains in
-- Unicode form, phones as + and digits, handles without @).
CREATE TABLE verify_entries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'domain', 'phone', 'telegram', 'x')),
    value TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (kind, value)
);

-- One row: the random key (hex) that agents' daily chat codes are derived from.
CREATE TABLE verify_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_hex TEXT NOT NULL
);
