-- What happens on accounts over time: the expected monthly deposits (payroll and the like), the
-- monthly bills for the plan, and the card activity that fraud review works on.

CREATE TABLE demo.monthly_deposits (
  id text PRIMARY KEY CHECK (id ~ '^dep_[a-z0-9_]+$'),
  account_id text NOT NULL,
  currency char(3) NOT NULL,
  -- First day of the month the deposit belongs to.
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  -- Who pays it in (an employer's payroll, a platform's payout).
  source_name text NOT NULL,
  expected_cents bigint NOT NULL CHECK (expected_cents > 0),
  received_cents bigint NOT NULL DEFAULT 0 CHECK (received_cents >= 0),
  expected_on date NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'received', 'late', 'failed')),
  received_at timestamptz,
  failure_reason text,
  journal_id bigint UNIQUE REFERENCES demo.journals,
  CONSTRAINT monthly_deposits_account_fkey FOREIGN KEY (account_id, currency) REFERENCES demo.accounts (id, currency),
  CONSTRAINT monthly_deposits_one_per_month UNIQUE (account_id, month),
  CONSTRAINT monthly_deposits_received CHECK (
    (status = 'received') = (received_at IS NOT NULL)
    AND (status <> 'received' OR (journal_id IS NOT NULL AND received_cents > 0))),
  CONSTRAINT monthly_deposits_failed_reason CHECK (status <> 'failed' OR failure_reason IS NOT NULL)
);
-- "Which deposits are still outstanding?" (the ops dashboard and the late-deposit check).
CREATE INDEX monthly_deposits_open_idx ON demo.monthly_deposits (status, expected_on)
  WHERE status IN ('pending', 'late', 'failed');

-- Monthly bills for the account's plan (and, for business, usage). Paid from the balance by a
-- `fee` journal; unpaid after the due date they are `late`, and 30+ days late `delinquent`.
CREATE TABLE demo.bills (
  id text PRIMARY KEY CHECK (id ~ '^bill_[a-z0-9_]+$'),
  account_id text NOT NULL,
  currency char(3) NOT NULL,
  period date NOT NULL CHECK (extract(day FROM period) = 1),
  description text NOT NULL,
  amount_due_cents bigint NOT NULL CHECK (amount_due_cents > 0),
  amount_paid_cents bigint NOT NULL DEFAULT 0 CHECK (amount_paid_cents >= 0),
  due_on date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'late', 'waived')),
  paid_at timestamptz,
  journal_id bigint UNIQUE REFERENCES demo.journals,
  -- Set by the daily delinquency check (30+ days late); reported to the credit bureau.
  delinquent boolean NOT NULL DEFAULT false,
  delinquent_since date,
  -- Clearing a delinquent payment: who, when and why (an arrangement, a waiver, a bank error).
  cleared_by text,
  cleared_at timestamptz,
  clear_reason text,
  CONSTRAINT bills_account_fkey FOREIGN KEY (account_id, currency) REFERENCES demo.accounts (id, currency),
  CONSTRAINT bills_one_per_period UNIQUE (account_id, period),
  CONSTRAINT bills_paid_within_due CHECK (amount_paid_cents <= amount_due_cents),
  CONSTRAINT bills_paid CHECK (
    (status = 'paid') = (paid_at IS NOT NULL)
    AND (status <> 'paid' OR (amount_paid_cents = amount_due_cents AND journal_id IS NOT NULL))),
  CONSTRAINT bills_delinquent_is_late CHECK (NOT delinquent OR status = 'late'),
  CONSTRAINT bills_delinquent_since CHECK (delinquent = (delinquent_since IS NOT NULL)),
  CONSTRAINT bills_waived_is_cleared CHECK (status <> 'waived' OR cleared_at IS NOT NULL),
  CONSTRAINT bills_cleared CHECK (
    cleared_at IS NULL OR (NOT delinquent AND cleared_by IS NOT NULL AND clear_reason IS NOT NULL))
);
CREATE INDEX bills_late_idx ON demo.bills (due_on) WHERE status = 'late';

-- Late payments as support looks them up. days_late counts from today, so it grows while the
-- demo data (dated around 2026-11-01) ages; `delinquent` is the stored decision.
CREATE VIEW demo.late_payments AS
SELECT b.id AS bill_id, b.account_id, a.customer_id, b.period, b.currency,
       b.amount_due_cents - b.amount_paid_cents AS amount_due_cents,
       b.due_on, (current_date - b.due_on) AS days_late, b.delinquent, b.delinquent_since
  FROM demo.bills b
  JOIN demo.accounts a ON a.id = b.account_id
 WHERE b.status = 'late';

-- Card activity as reported by the card network (and history imported from a previous
-- provider). Posted card activity is booked in the ledger by one `settlement` journal per account
-- and month (journal_id); pending, declined and imported rows move no money here.
CREATE TABLE demo.transactions (
  id text PRIMARY KEY CHECK (id ~ '^txn_[a-z0-9_]+$'),
  account_id text NOT NULL,
  card_id text,
  merchant_id text REFERENCES demo.merchants,
  kind text NOT NULL CHECK (kind IN ('card_purchase', 'online_purchase', 'atm_withdrawal', 'card_refund')),
  -- Signed from the account's side: purchases and withdrawals are negative, refunds positive.
  amount_cents bigint NOT NULL CHECK (amount_cents <> 0),
  currency char(3) NOT NULL,
  description text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'posted', 'declined', 'reversed')),
  source text NOT NULL DEFAULT 'card_network' CHECK (source IN ('card_network', 'import')),
  -- The id at the source; makes re-importing the same history a no-op.
  external_id text,
  occurred_at timestamptz NOT NULL,
  posted_at timestamptz,
  journal_id bigint REFERENCES demo.journals,
  fraud_flag text NOT NULL DEFAULT 'none' CHECK (fraud_flag IN ('none', 'flagged', 'cleared', 'confirmed')),
  fraud_reason text,
  flagged_at timestamptz,
  -- The risk analyst (Airlock actor) who cleared or confirmed the flag.
  reviewed_by text,
  reviewed_at timestamptz,
  review_note text,
  CONSTRAINT transactions_account_fkey FOREIGN KEY (account_id, currency) REFERENCES demo.accounts (id, currency),
  CONSTRAINT transactions_card_fkey FOREIGN KEY (card_id, account_id) REFERENCES demo.cards (id, account_id),
  CONSTRAINT transactions_external_key UNIQUE (account_id, source, external_id),
  CONSTRAINT transactions_import_has_external_id CHECK (source <> 'import' OR external_id IS NOT NULL),
  CONSTRAINT transactions_posted CHECK ((status = 'posted') = (posted_at IS NOT NULL)),
  CONSTRAINT transactions_booked_if_posted CHECK (journal_id IS NULL OR status = 'posted'),
  CONSTRAINT transactions_flag CHECK (
    (fraud_flag = 'none') = (flagged_at IS NULL) AND (fraud_flag = 'none') = (fraud_reason IS NULL)),
  CONSTRAINT transactions_review CHECK (
    (fraud_flag IN ('cleared', 'confirmed')) = (reviewed_at IS NOT NULL AND reviewed_by IS NOT NULL))
);
-- An account's activity, newest first (statements, the onboarding import's preview).
CREATE INDEX transactions_account_time_idx ON demo.transactions (account_id, occurred_at DESC);
-- "Flagged transactions of an account" (the fraud lookup and runbook): small, partial.
CREATE INDEX transactions_flagged_idx ON demo.transactions (account_id, flagged_at DESC)
  WHERE fraud_flag = 'flagged';
-- The daily fraud check scans the last day's activity.
CREATE INDEX transactions_time_idx ON demo.transactions (occurred_at);

GRANT INSERT, UPDATE (status, received_cents, received_at, expected_on, failure_reason, journal_id)
  ON demo.monthly_deposits TO airlock_app;
GRANT INSERT, UPDATE (status, amount_paid_cents, paid_at, journal_id, delinquent, delinquent_since,
  cleared_by, cleared_at, clear_reason) ON demo.bills TO airlock_app;
-- INSERT for the onboarding runbook's history import; UPDATE for fraud review.
GRANT INSERT, UPDATE (status, posted_at, fraud_flag, fraud_reason, flagged_at, reviewed_by, reviewed_at,
  review_note) ON demo.transactions TO airlock_app;
