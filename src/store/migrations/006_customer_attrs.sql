-- Customer attributes used by routing rules and SLA policies (issue 6).
-- vip_level: 0 = regular, 1..5 = the exchange's VIP tiers. language: a BCP 47 tag such as
-- "en" or "pt-BR", NULL when unknown.
ALTER TABLE users ADD COLUMN vip_level INTEGER NOT NULL DEFAULT 0 CHECK (vip_level BETWEEN 0 AND 5);
ALTER TABLE users ADD COLUMN language TEXT;
