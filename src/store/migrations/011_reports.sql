-- 011: customer satisfaction surveys (issue 6). One row per solved ticket that was
-- surveyed or rated. The e-mailed link carries a token signed with an HMAC key kept in
-- report_keys; token_nonce ties the token to this row and token_used_at makes it
-- single-use. rating/comment/answered_at stay NULL until the customer answers.

CREATE TABLE csat_surveys (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    token_nonce TEXT NOT NULL,
    sent_at BIGINT,
    token_used_at BIGINT,
    rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    comment TEXT,
    answered_at BIGINT,
    first_answered_at BIGINT,
    answered_by INTEGER REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX csat_surveys_answered ON csat_surveys(answered_at);

-- Secret keys of this module (the CSAT link's HMAC key), created on first use.
CREATE TABLE report_keys (
    name TEXT PRIMARY KEY,
    key_hex TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX events_type_time ON events(type, created_at);
CREATE INDEX tickets_created ON tickets(created_at);
