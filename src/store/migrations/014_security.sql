-- 014: two-factor sign-in (TOTP), recovery codes, sign-in challenges, security
-- settings, per-address sign-in failures, session metadata (device, address, last seen).

-- One TOTP secret per staff member. secret is the raw key as hex; confirmed = 0 while
-- enrolment waits for the first valid code. last_counter is the TOTP time step of the
-- last accepted code: a code at or below it is refused (no reuse).
CREATE TABLE totp_secrets (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    secret TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    last_counter BIGINT NOT NULL DEFAULT -1,
    created_at BIGINT NOT NULL
);

-- Single-use recovery codes, stored as BLAKE2b hashes.
CREATE TABLE totp_recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes(user_id);

-- "Password ok, now the code": short-lived, single-use, stored as a hash.
CREATE TABLE login_challenges (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Desk-wide security settings (enforce_2fa = '1' or '0').
CREATE TABLE security_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Failed sign-ins now also remember the address they came from (per-IP throttling).
ALTER TABLE login_failures ADD COLUMN ip TEXT;
CREATE INDEX login_failures_ip ON login_failures(ip, at);

-- Sessions: where from, which device, last activity (idle expiry).
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;

-- The audit view reads events without a ticket, newest first.
CREATE INDEX events_type ON events(type, id);
