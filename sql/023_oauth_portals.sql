-- OAuth portals (a local or Marketplace application instead of a webhook). The portal's OAuth
-- server hands out an access token (about an hour) and a refresh token (180 days) that dies when
-- it is spent, so the tokens live here, where every worker sees the newest: sealed with
-- AES-256-GCM under a key only the b24pg processes hold (B24PG_TOKEN_KEY), bound to the portal's
-- name, and rotated under this row's lock so that two workers never spend one refresh token.
-- etl.portal.member_id (there since 001) is now filled: the OAuth server reports it with every refresh.

CREATE TABLE etl.portal_oauth (
    portal_id          integer     PRIMARY KEY REFERENCES etl.portal ON DELETE CASCADE,
    client_id          text,
    key_id             text,
    refresh_token      bytea,
    access_token       bytea,
    access_expires_at  timestamptz,
    seed_digest        text,
    rotations          bigint      NOT NULL DEFAULT 0,
    rotated_at         timestamptz,
    rotated_by         text
);
COMMENT ON TABLE etl.portal_oauth IS 'The OAuth tokens of portals read through an application: sealed (AES-256-GCM, nonce||ciphertext||tag) under the key key_id names, replaced under this row''s lock on every refresh. Never holds a token in the clear.';
COMMENT ON COLUMN etl.portal_oauth.key_id IS 'The id of the key that sealed the tokens (16 hex digits derived from the key, not the key).';
COMMENT ON COLUMN etl.portal_oauth.seed_digest IS 'SHA-256 of the configured first refresh token last adopted: a different configured token (the application authorised again) replaces the stored ones.';
COMMENT ON COLUMN etl.portal_oauth.rotations IS 'Refreshes done so far; each spends the stored refresh token and stores the new one.';

COMMENT ON COLUMN etl.portal.member_id IS 'The portal''s stable id as its OAuth server reports it (OAuth portals only); a token of another member_id under this name is refused.';
