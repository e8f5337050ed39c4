-- Cards, the card vault, merchants, payments to merchants, refunds and disputes; and what
-- erasing a customer does to them.

CREATE TABLE demo.merchants (
  id text PRIMARY KEY CHECK (id ~ '^mer_[a-z0-9_]+$'),
  name text NOT NULL,
  -- ISO 18245 merchant category code.
  mcc char(4) NOT NULL CHECK (mcc ~ '^[0-9]{4}$'),
  category text NOT NULL,
  country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  risk_level text NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merchants_name_idx ON demo.merchants (lower(name));

-- A card as everyone may see it. The full number (PAN) is never stored here: only the BIN (first
-- six digits, which identify the issuer) and the last four, the most PCI DSS allows to display,
-- and the fixed-width CHECKs make it impossible to put more in those columns.
CREATE TABLE demo.cards (
  id text PRIMARY KEY CHECK (id ~ '^card_[a-z0-9_]+$'),
  account_id text NOT NULL REFERENCES demo.accounts,
  -- Opaque handle of the PAN in demo.card_vault.
  token text NOT NULL UNIQUE CHECK (token ~ '^tok_[a-z0-9]+$'),
  brand text NOT NULL CHECK (brand IN ('visa', 'mastercard', 'amex')),
  bin char(6) NOT NULL CHECK (bin ~ '^[0-9]{6}$'),
  last4 char(4) NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  exp_month smallint NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year smallint NOT NULL CHECK (exp_year BETWEEN 2000 AND 2100),
  form text NOT NULL DEFAULT 'physical' CHECK (form IN ('physical', 'virtual')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz,
  CONSTRAINT cards_cancelled_at CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
  -- Lets payments and transactions prove their card belongs to their account.
  CONSTRAINT cards_id_account_key UNIQUE (id, account_id)
);
CREATE INDEX cards_account_idx ON demo.cards (account_id);
-- Support identifies a card by its last four digits.
CREATE INDEX cards_last4_idx ON demo.cards (last4);

-- Full card numbers, apart from everything else. Grant choice: airlock_app has NO privilege on
-- this table, so no action, SQL action or bug can SELECT card numbers in bulk. The one way in is
-- demo.reveal_card_number(card, actor, reason): one card at a time, with a reason, logged in
-- demo.card_vault_reads (Airlock separately audits the reveal with the actor's identity). A real
-- deployment would keep the vault in another database or a tokenization service; the separate
-- table with tighter grants models that boundary.
CREATE TABLE demo.card_vault (
  token text PRIMARY KEY REFERENCES demo.cards (token),
  pan text NOT NULL UNIQUE CHECK (pan ~ '^[0-9]{13,19}$'),
  stored_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON demo.card_vault FROM airlock_app;

CREATE TABLE demo.card_vault_reads (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  card_id text NOT NULL REFERENCES demo.cards,
  read_by text NOT NULL CHECK (length(btrim(read_by)) > 0),
  reason text NOT NULL CHECK (length(btrim(reason)) >= 10),
  read_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_vault_reads_card_idx ON demo.card_vault_reads (card_id, read_at);

CREATE FUNCTION demo.reveal_card_number(p_card_id text, p_read_by text, p_reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  number text;
BEGIN
  SELECT v.pan INTO number FROM demo.cards c JOIN demo.card_vault v ON v.token = c.token WHERE c.id = p_card_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'card % has no number in the vault', p_card_id USING ERRCODE = 'no_data_found';
  END IF;
  -- The CHECKs on card_vault_reads refuse a reveal without an actor or a real reason.
  INSERT INTO demo.card_vault_reads (card_id, read_by, reason) VALUES (p_card_id, p_read_by, p_reason);
  RETURN number;
END
$$;
REVOKE ALL ON FUNCTION demo.reveal_card_number(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION demo.reveal_card_number(text, text, text) TO airlock_app;

-- Payments from a customer's account to a merchant, paid with one of the account's cards.
CREATE TABLE demo.payments (
  id text PRIMARY KEY CHECK (id ~ '^pay_[a-z0-9_]+$'),
  account_id text NOT NULL,
  card_id text NOT NULL,
  merchant_id text NOT NULL REFERENCES demo.merchants,
  currency char(3) NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  -- Maintained by the refunds trigger below (airlock_app cannot write it).
  refunded_cents bigint NOT NULL DEFAULT 0,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'reversed')),
  status_reason text,
  -- What the customer and the merchant see on their receipts.
  confirmation_code text NOT NULL UNIQUE CHECK (confirmation_code ~ '^CNF-[A-Z0-9]{4}-[A-Z0-9]{4}$'),
  description text,
  -- The journal that moved the money (and, once reversed, the journal is reversed in the ledger).
  journal_id bigint UNIQUE REFERENCES demo.journals,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_account_fkey FOREIGN KEY (account_id, currency) REFERENCES demo.accounts (id, currency),
  CONSTRAINT payments_card_fkey FOREIGN KEY (card_id, account_id) REFERENCES demo.cards (id, account_id),
  CONSTRAINT payments_id_currency_key UNIQUE (id, currency),
  -- The sum of refunds can never exceed the payment: enforced here, on the row every refund
  -- must update (and lock), so concurrent refunds cannot both pass.
  CONSTRAINT payments_refunds_within_amount CHECK (refunded_cents BETWEEN 0 AND amount_cents),
  CONSTRAINT payments_settled_have_journal CHECK (status IN ('pending', 'failed') OR journal_id IS NOT NULL)
);
CREATE INDEX payments_account_time_idx ON demo.payments (account_id, created_at DESC);
CREATE INDEX payments_merchant_idx ON demo.payments (merchant_id);

CREATE TABLE demo.refunds (
  id text PRIMARY KEY CHECK (id ~ '^rfd_[a-z0-9_]+$'),
  payment_id text NOT NULL,
  currency char(3) NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  reason text NOT NULL,
  -- Domain idempotency: the refund action passes its run's idempotency key, so a retry finds the
  -- existing refund instead of issuing a second one.
  reference text NOT NULL UNIQUE,
  journal_id bigint UNIQUE REFERENCES demo.journals,
  requested_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refunds_payment_fkey FOREIGN KEY (payment_id, currency) REFERENCES demo.payments (id, currency),
  CONSTRAINT refunds_succeeded_have_journal CHECK (status <> 'succeeded' OR journal_id IS NOT NULL)
);
CREATE INDEX refunds_payment_idx ON demo.refunds (payment_id);

-- Keeps payments.refunded_cents = the sum of the payment's refunds that have not failed, by
-- increments (a recomputed sum could miss a concurrent refund that commits meanwhile).
CREATE FUNCTION demo.refunds_count_against_payment() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  delta bigint;
  payment_status text;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.payment_id, NEW.amount_cents, NEW.currency)
      IS DISTINCT FROM (OLD.payment_id, OLD.amount_cents, OLD.currency) THEN
    RAISE EXCEPTION 'a refund''s payment and amount cannot change; fail it and create another'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_immutable_amount';
  END IF;
  delta := CASE WHEN TG_OP <> 'DELETE' AND NEW.status <> 'failed' THEN NEW.amount_cents ELSE 0 END
         - CASE WHEN TG_OP <> 'INSERT' AND OLD.status <> 'failed' THEN OLD.amount_cents ELSE 0 END;
  IF delta = 0 THEN
    RETURN NULL;
  END IF;
  UPDATE demo.payments SET refunded_cents = refunded_cents + delta, updated_at = now()
   WHERE id = coalesce(NEW.payment_id, OLD.payment_id)
  RETURNING status INTO payment_status;
  IF delta > 0 AND payment_status <> 'succeeded' THEN
    RAISE EXCEPTION 'payment % is %: only a succeeded payment can be refunded', NEW.payment_id, payment_status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_payment_succeeded';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER refunds_count_against_payment
  AFTER INSERT OR UPDATE OR DELETE ON demo.refunds
  FOR EACH ROW EXECUTE FUNCTION demo.refunds_count_against_payment();

CREATE TABLE demo.disputes (
  id text PRIMARY KEY CHECK (id ~ '^dsp_[a-z0-9_]+$'),
  payment_id text NOT NULL REFERENCES demo.payments,
  reason text NOT NULL CHECK (reason IN (
    'fraudulent', 'duplicate', 'product_not_received', 'not_as_described', 'unrecognized', 'other')),
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  outcome text CHECK (outcome IN ('won', 'lost', 'withdrawn')),
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  CONSTRAINT disputes_closed_have_outcome CHECK (
    (status = 'closed') = (closed_at IS NOT NULL) AND (status = 'closed') = (outcome IS NOT NULL))
);
CREATE UNIQUE INDEX disputes_one_open_per_payment ON demo.disputes (payment_id) WHERE status = 'open';

-- Erasure (GDPR art. 17 / CCPA): setting erased_at turns the customer into a tombstone. Done in
-- the database so that every path that erases (an action, a script, a future API) does all of it:
-- refuse while a dispute is open (the evidence is still needed), null the PII, cancel the cards,
-- shred their numbers from the vault, and drop admin rights. Accounts and the ledger stay:
-- financial records must be retained. An erased customer can never be changed again.
CREATE FUNCTION demo.customers_guard_erasure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  open_dispute text;
BEGIN
  IF OLD.erased_at IS NOT NULL THEN
    RAISE EXCEPTION 'customer % was erased on %; erasure is irreversible', OLD.id, OLD.erased_at
      USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_erased_is_final';
  END IF;
  SELECT d.id INTO open_dispute
    FROM demo.disputes d
    JOIN demo.payments p ON p.id = d.payment_id
    JOIN demo.accounts a ON a.id = p.account_id
   WHERE a.customer_id = NEW.id AND d.status = 'open'
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'customer % has an open dispute (%): close it before erasing the customer', NEW.id, open_dispute
      USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_no_open_dispute';
  END IF;
  NEW.status := 'erased';
  NEW.name := NULL;
  NEW.email := NULL;
  NEW.phone := NULL;
  NEW.ssn := NULL;
  NEW.address_line1 := NULL;
  NEW.city := NULL;
  NEW.region := NULL;
  NEW.postal_code := NULL;
  NEW.date_of_birth := NULL;
  UPDATE demo.cards c SET status = 'cancelled', cancelled_at = NEW.erased_at
    FROM demo.accounts a
   WHERE a.id = c.account_id AND a.customer_id = NEW.id AND c.status <> 'cancelled';
  DELETE FROM demo.card_vault v
   USING demo.cards c JOIN demo.accounts a ON a.id = c.account_id
   WHERE v.token = c.token AND a.customer_id = NEW.id;
  DELETE FROM demo.account_admins WHERE customer_id = NEW.id;
  RETURN NEW;
END
$$;
CREATE TRIGGER customers_guard_erasure
  BEFORE UPDATE ON demo.customers
  FOR EACH ROW WHEN (OLD.erased_at IS NOT NULL OR NEW.erased_at IS NOT NULL)
  EXECUTE FUNCTION demo.customers_guard_erasure();

GRANT UPDATE (status, cancelled_at) ON demo.cards TO airlock_app;
GRANT INSERT (id, account_id, card_id, merchant_id, currency, amount_cents, status, status_reason,
  confirmation_code, description, journal_id, created_at, updated_at) ON demo.payments TO airlock_app;
GRANT UPDATE (status, status_reason, journal_id, updated_at) ON demo.payments TO airlock_app;
GRANT INSERT, UPDATE (status, journal_id) ON demo.refunds TO airlock_app;
GRANT INSERT, UPDATE (status, outcome, closed_at) ON demo.disputes TO airlock_app;
