-- 016: inbound mail authentication (docs/mail.md): one row per inbound message that was
-- checked, with the DKIM, SPF and DMARC verdicts. Shown to agents only.
-- dkim: pass | fail | none; spf: pass | fail | softfail | neutral | none | temperror |
-- permerror; dmarc: pass | fail | none | temperror; dmarc_policy: none | quarantine |
-- reject, or '' when the domain publishes no DMARC record.

CREATE TABLE mail_auth (
    mail_id INTEGER PRIMARY KEY REFERENCES mail_messages(id),
    dkim TEXT NOT NULL,
    dkim_domain TEXT NOT NULL DEFAULT '',
    spf TEXT NOT NULL,
    spf_domain TEXT NOT NULL DEFAULT '',
    dmarc TEXT NOT NULL,
    dmarc_policy TEXT NOT NULL DEFAULT '',
    from_domain TEXT NOT NULL DEFAULT '',
    client_ip TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
