-- The demo fintech's domain: customers and their accounts. Everything lives in schema `demo`,
-- apart from Airlock's own `airlock` schema, the way a real workspace's database would.
--
-- Privileges. Airlock runs action handlers as the role `airlock_app` (created by Airlock's
-- migration 0001, which always runs first). That role gets exactly what the demo's actions need:
--   * SELECT on every table by default (the ALTER DEFAULT PRIVILEGES below also covers tables that
--     later migrations create), except the card vault (0003), which it cannot read at all;
--   * INSERT/UPDATE granted table by table, and UPDATE often only on some columns: balances and
--     refunded totals are maintained by triggers, so no handler can "fix" a number by hand;
--   * DELETE almost nowhere: domain records are never deleted (an erased customer is a tombstone,
--     a wrong ledger posting is reversed by a new journal).
CREATE SCHEMA demo;
COMMENT ON SCHEMA demo IS 'Domain data of the Airlock demo workspace (a small fintech).';

GRANT USAGE ON SCHEMA demo TO airlock_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA demo GRANT SELECT ON TABLES TO airlock_app;
-- Identity columns need the sequence for INSERT.
ALTER DEFAULT PRIVILEGES IN SCHEMA demo GRANT USAGE, SELECT ON SEQUENCES TO airlock_app;

-- Marker of a seeded database: the seed does nothing when this row exists (examples/demo/seed.ts).
CREATE TABLE demo.seed_info (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version integer NOT NULL,
  prng_seed bigint NOT NULL,
  reference_time timestamptz NOT NULL,
  seeded_at timestamptz NOT NULL DEFAULT now()
);

-- Plans and what they allow. Only `business` may run a negative balance (an overdraft), and an
-- account's own limit may not exceed its plan's (trigger below).
CREATE TABLE demo.plans (
  plan text PRIMARY KEY CHECK (plan ~ '^[a-z]+$'),
  title text NOT NULL,
  monthly_fee_cents bigint NOT NULL CHECK (monthly_fee_cents >= 0),
  max_overdraft_cents bigint NOT NULL CHECK (max_overdraft_cents >= 0)
);
INSERT INTO demo.plans (plan, title, monthly_fee_cents, max_overdraft_cents) VALUES
  ('basic', 'Basic', 0, 0),
  ('plus', 'Plus', 999, 0),
  ('business', 'Business', 2999, 500000);

-- Catalog of feature flags; accounts.feature_flags may only name flags listed here.
CREATE TABLE demo.feature_flags (
  key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*$'),
  description text NOT NULL,
  default_enabled boolean NOT NULL DEFAULT false
);
INSERT INTO demo.feature_flags (key, description, default_enabled) VALUES
  ('virtual_cards', 'Issue virtual cards from the app', true),
  ('instant_transfers', 'Transfers between accounts settle instantly', false),
  ('crypto_trading', 'Buy and sell crypto assets (beta)', false),
  ('international_wires', 'Send SWIFT wires abroad', false),
  ('savings_pots', 'Split the balance into savings pots', true),
  ('early_paycheck', 'Receive direct deposits up to two days early', false),
  ('api_access', 'Programmatic access for business accounts', false);

CREATE TABLE demo.customers (
  id text PRIMARY KEY CHECK (id ~ '^cus_[a-z0-9_]+$'),
  -- PII: nulled when the customer is erased (GDPR/CCPA); the row stays as a tombstone so that
  -- accounts, ledger and disputes (which must be retained) still point at something.
  name text,
  email text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[a-z]{2,}$'),
  phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  ssn text CHECK (ssn ~ '^[0-9]{3}-[0-9]{2}-[0-9]{4}$'),
  address_line1 text,
  city text,
  region text,
  postal_code text,
  country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  date_of_birth date,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'erased')),
  created_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz,
  CONSTRAINT customers_erased_status CHECK ((status = 'erased') = (erased_at IS NOT NULL)),
  CONSTRAINT customers_live_has_identity CHECK (erased_at IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL)),
  CONSTRAINT customers_tombstone_has_no_pii CHECK (
    erased_at IS NULL OR num_nonnulls(name, email, phone, ssn, address_line1, city, region, postal_code,
      date_of_birth) = 0)
);
-- One live customer per email (tombstones have none). Also the "find customer by email" path.
CREATE UNIQUE INDEX customers_email_key ON demo.customers (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX customers_name_idx ON demo.customers (lower(name)) WHERE name IS NOT NULL;

CREATE TABLE demo.accounts (
  id text PRIMARY KEY CHECK (id ~ '^acc_[a-z0-9_]+$'),
  customer_id text NOT NULL REFERENCES demo.customers,
  plan text NOT NULL REFERENCES demo.plans,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'closed')),
  currency char(3) NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP')),
  -- Maintained by the ledger (0002): the sum of this account's ledger entries. A column rather
  -- than a view over 40k+ entries so that balance reads and the overdraft check are O(1).
  balance_cents bigint NOT NULL DEFAULT 0,
  overdraft_limit_cents bigint NOT NULL DEFAULT 0 CHECK (overdraft_limit_cents >= 0),
  trial_ends_at timestamptz,
  feature_flags jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(feature_flags) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  frozen_at timestamptz,
  closed_at timestamptz,
  -- Lets ledger entries carry (account_id, currency) and have the FK prove the currency matches.
  CONSTRAINT accounts_id_currency_key UNIQUE (id, currency),
  CONSTRAINT accounts_overdraft CHECK (balance_cents >= -overdraft_limit_cents),
  CONSTRAINT accounts_closed_is_empty CHECK (status <> 'closed' OR balance_cents = 0),
  CONSTRAINT accounts_closed_at CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
  CONSTRAINT accounts_frozen_at CHECK ((status = 'frozen') = (frozen_at IS NOT NULL))
);
CREATE INDEX accounts_customer_idx ON demo.accounts (customer_id);
CREATE INDEX accounts_plan_status_idx ON demo.accounts (plan, status);
CREATE INDEX accounts_trial_idx ON demo.accounts (trial_ends_at) WHERE trial_ends_at IS NOT NULL;

-- The per-plan overdraft ceiling and the flag catalog cannot be CHECKs (they read other tables).
-- Column-specific, so balance updates by the ledger do not fire it.
CREATE FUNCTION demo.accounts_check_plan_and_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ceiling bigint;
  unknown text;
BEGIN
  SELECT max_overdraft_cents INTO ceiling FROM demo.plans WHERE plan = NEW.plan;
  IF NEW.overdraft_limit_cents > ceiling THEN
    RAISE EXCEPTION 'overdraft limit % exceeds the % plan''s maximum of %',
      NEW.overdraft_limit_cents, NEW.plan, ceiling
      USING ERRCODE = 'check_violation', CONSTRAINT = 'accounts_plan_overdraft';
  END IF;
  SELECT string_agg(k, ', ') INTO unknown
    FROM jsonb_object_keys(NEW.feature_flags) AS k
   WHERE NOT EXISTS (SELECT 1 FROM demo.feature_flags f WHERE f.key = k);
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'unknown feature flag(s): %', unknown
      USING ERRCODE = 'check_violation', CONSTRAINT = 'accounts_known_flags';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_each(NEW.feature_flags) AS e WHERE jsonb_typeof(e.value) <> 'boolean') THEN
    RAISE EXCEPTION 'feature flag values must be true or false'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'accounts_known_flags';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_check_plan_and_flags
  BEFORE INSERT OR UPDATE OF plan, overdraft_limit_cents, feature_flags ON demo.accounts
  FOR EACH ROW EXECUTE FUNCTION demo.accounts_check_plan_and_flags();

-- Customers who may administer an account besides its owner (business accounts' finance team).
CREATE TABLE demo.account_admins (
  account_id text NOT NULL REFERENCES demo.accounts,
  customer_id text NOT NULL REFERENCES demo.customers,
  granted_at timestamptz NOT NULL DEFAULT now(),
  -- Who made them admin: an Airlock actor (email) or 'seed'.
  granted_by text NOT NULL,
  PRIMARY KEY (account_id, customer_id)
);
CREATE INDEX account_admins_customer_idx ON demo.account_admins (customer_id);

CREATE TABLE demo.notification_settings (
  account_id text PRIMARY KEY REFERENCES demo.accounts,
  email_enabled boolean NOT NULL DEFAULT true,
  sms_enabled boolean NOT NULL DEFAULT false,
  push_enabled boolean NOT NULL DEFAULT true,
  payment_reminders boolean NOT NULL DEFAULT true,
  reminder_days_before integer NOT NULL DEFAULT 3 CHECK (reminder_days_before BETWEEN 0 AND 30),
  low_balance_alert_cents bigint CHECK (low_balance_alert_cents > 0),
  -- Fraud alerts cannot be switched off by support: a regulator expects them.
  fraud_alerts boolean NOT NULL DEFAULT true CHECK (fraud_alerts),
  updated_at timestamptz NOT NULL DEFAULT now()
);

GRANT INSERT, UPDATE (name, email, phone, ssn, address_line1, city, region, postal_code, country,
  date_of_birth, status, erased_at) ON demo.customers TO airlock_app;
-- Neither INSERT nor UPDATE of balance_cents: only the ledger moves money.
GRANT INSERT (id, customer_id, plan, status, currency, overdraft_limit_cents, trial_ends_at, feature_flags,
  created_at, frozen_at, closed_at) ON demo.accounts TO airlock_app;
GRANT UPDATE (plan, status, overdraft_limit_cents, trial_ends_at, feature_flags, frozen_at, closed_at)
  ON demo.accounts TO airlock_app;
GRANT INSERT, DELETE ON demo.account_admins TO airlock_app;
GRANT INSERT, UPDATE ON demo.notification_settings TO airlock_app;
GRANT INSERT, UPDATE (description, default_enabled) ON demo.feature_flags TO airlock_app;
