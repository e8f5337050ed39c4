-- No puppets: an admin never knows another person's password. A new user gets a one-time
-- invitation link and chooses their own password; the token is minted when the email is sent and
-- only its SHA-256 is kept, so neither the database, the delivery log nor any API answer holds it.
-- Single use (compare-and-set on `status`), expiring, one pending invitation per user.
CREATE TABLE airlock.invitations (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES airlock.users (id),
  -- Null until the email is sent; replaced on each send, so only the newest link works.
  token_hash text UNIQUE,
  status text NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
  invited_by text NOT NULL REFERENCES airlock.users (id),
  request_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  sent_at timestamptz,
  accepted_at timestamptz
);
CREATE UNIQUE INDEX invitations_pending_user_idx ON airlock.invitations (user_id) WHERE status = 'pending';
REVOKE DELETE ON airlock.invitations FROM airlock_app;

-- A password someone else chose (the first admin's, from `airlock admin bootstrap`): password
-- sign-in is refused until the person picks their own, and they cannot approve anything before.
ALTER TABLE airlock.users ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;

-- `user.invited` starts the invitation email (src/governance/invitation-mail.ts). The list is
-- extended in place, keeping whatever types other migrations added.
DO $$
DECLARE
  current text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO current FROM pg_constraint
   WHERE conrelid = 'airlock.event_outbox'::regclass AND conname = 'event_outbox_type_check';
  IF current IS NULL OR position('''user.invited''' IN current) > 0 THEN
    RETURN;
  END IF;
  ALTER TABLE airlock.event_outbox DROP CONSTRAINT event_outbox_type_check;
  -- "CHECK ((type = ANY (ARRAY['a'::text, …])))" → the same array with one more element.
  IF position('::text]' IN current) = 0 THEN
    RAISE EXCEPTION 'event_outbox_type_check has an unexpected form: %', current;
  END IF;
  EXECUTE 'ALTER TABLE airlock.event_outbox ADD CONSTRAINT event_outbox_type_check '
    || replace(current, '::text]', '::text, ''user.invited''::text]');
END $$;
