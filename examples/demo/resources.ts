// The systems the demo governs besides its own schema: the core ledger (a second PostgreSQL
// database, read-only) and the payments provider's API. In demo mode both are local stand-ins
// (services/); in production their secrets point at the real ones.
import { defineResource } from "../../src/sdk/index.ts";

export const coreLedger = defineResource({
  name: "core_ledger",
  type: "postgres",
  description: "The core banking ledger (read-only reporting role)",
  url: { secret: "CORE_LEDGER_URL" },
  statementTimeout: "5s",
});

export const payments = defineResource({
  name: "payments",
  type: "http",
  description: "The card payments provider's API (refunds, payment status)",
  baseUrl: { secret: "PAYMENTS_API_URL" },
  auth: { type: "bearer", secret: "PAYMENTS_API_KEY" },
  timeout: "5s",
});

export const demoResources = [coreLedger, payments];
