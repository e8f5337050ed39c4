-- Webhook signing secrets leave plain text: each is sealed like a secret of the secret store
-- (crypto/envelope.ts: AES-256-GCM under its own data key, wrapped by the master key, with
-- `airlock.webhooks:<id>` as associated data). SQL cannot encrypt (the master key never reaches
-- the database), so the rows written before this migration keep their value in
-- `plaintext_secret` until the first Airlock process with a master key starts: it seals each one
-- and clears the plain text (notify/webhook-secrets.ts, sealPlaintextWebhookSecrets).
ALTER TABLE airlock.webhooks RENAME COLUMN secret TO plaintext_secret;
ALTER TABLE airlock.webhooks ALTER COLUMN plaintext_secret DROP NOT NULL;
ALTER TABLE airlock.webhooks ADD COLUMN secret_envelope bytea;
ALTER TABLE airlock.webhooks
  ADD CONSTRAINT webhooks_secret_kept CHECK (plaintext_secret IS NOT NULL OR secret_envelope IS NOT NULL);
