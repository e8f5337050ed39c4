-- The pricing-change runbook sets a plan's monthly fee (after its approval gate).
GRANT UPDATE (monthly_fee_cents) ON demo.plans TO airlock_app;
