-- A refund made through the payments provider keeps the provider's refund id.
ALTER TABLE demo.refunds ADD COLUMN provider_refund_id text;
