// The "core ledger": a second PostgreSQL database standing for a system Airlock does not own (in
// production, any URL). In demo mode it is created on the embedded server next to Airlock's own
// database, with a reader role that may only SELECT: the resource's role is the first line of
// "read-only", the resource's READ ONLY transactions the second.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Frances", "Donald", "Radia", "Leslie"];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Thompson",
  "Allen",
  "Knuth",
  "Perlman",
  "Lamport",
];
const REASONS = [
  "velocity: 14 card payments in 10 minutes",
  "chargeback ratio above 2%",
  "login from 3 countries in 1 hour",
  "structuring: deposits just under 10,000",
  "mismatched KYC address",
];

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

/**
 * Creates (once) the core ledger database next to `ownerUrl`'s and returns the URL of its reader
 * role. Deterministic rows; the reader's password is new on every start.
 */
export async function prepareCoreLedger(ownerUrl: string): Promise<string> {
  const base = decodeURIComponent(new URL(ownerUrl).pathname.slice(1));
  const database = `${base}_core_ledger`.slice(0, 63);
  const role = `ledger_reader_${createHash("sha256").update(database).digest("hex").slice(0, 12)}`;
  const password = randomBytes(18).toString("base64url");
  const admin = new pg.Client({ connectionString: ownerUrl });
  admin.on("error", () => {});
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created by a concurrent start
      });
    }
    // Roles are per server; the DO block tolerates a concurrent creation.
    await admin.query(
      `DO $$ BEGIN CREATE ROLE ${quoteIdent(role)} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
    await admin.query(`ALTER ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}'`);
  } finally {
    await admin.end();
  }
  const owner = new pg.Client({ connectionString: withDatabase(ownerUrl, database) });
  owner.on("error", () => {});
  await owner.connect();
  try {
    await owner.query("BEGIN");
    await owner.query("SELECT pg_advisory_xact_lock(hashtext('core_ledger.seed'))");
    await owner.query(`CREATE TABLE IF NOT EXISTS public.ledger_accounts (
        id text PRIMARY KEY,
        holder_name text NOT NULL,
        holder_email text NOT NULL,
        iban text NOT NULL,
        balance_cents bigint NOT NULL,
        currency text NOT NULL DEFAULT 'USD',
        flagged boolean NOT NULL DEFAULT false,
        flag_reason text,
        flagged_at timestamptz
      )`);
    const count = await owner.query("SELECT count(*)::int AS n FROM public.ledger_accounts");
    if (count.rows[0].n === 0) {
      for (let i = 0; i < 60; i++) {
        const first = FIRST[i % FIRST.length]!;
        const last = LAST[(i * 7) % LAST.length]!;
        const flagged = i % 7 === 3;
        await owner.query(
          `INSERT INTO public.ledger_accounts (id, holder_name, holder_email, iban, balance_cents, flagged, flag_reason, flagged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            `lac_${String(1000 + i)}`,
            `${first} ${last}`,
            `${first}.${last}${i}@example.com`.toLowerCase(),
            `DE89 3704 0044 0532 0${String(13_000 + i * 37).padStart(5, "0")}`,
            ((i * 7919) % 500_000) + 1_000,
            flagged,
            flagged ? REASONS[i % REASONS.length]! : null,
            flagged ? new Date(Date.UTC(2026, 10, 1 + (i % 28), 9, i % 60)) : null,
          ],
        );
      }
    }
    await owner.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}`);
    await owner.query(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(role)}`);
    await owner.query(`GRANT SELECT ON public.ledger_accounts TO ${quoteIdent(role)}`);
    await owner.query("COMMIT");
  } catch (error) {
    await owner.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await owner.end();
  }
  const url = new URL(withDatabase(ownerUrl, database));
  url.username = role;
  url.password = password;
  return url.toString();
}
