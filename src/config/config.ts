// One typed configuration, read from environment variables. Each variable is documented in
// docs/configuration.md. A bad value stops the start with a line naming the variable.
import { resolve } from "node:path";
import { z } from "zod";
import { StartupError } from "../errors/startup-error.ts";
import { parseTrustedProxies } from "./trusted-proxies.ts";

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off"])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const port = z.coerce.number().int().min(0).max(65_535);

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional(),
  PORT: port.default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Reverse proxies (IPs, CIDRs) whose X-Forwarded-For / Forwarded name the client; none by default. */
  AIRLOCK_TRUSTED_PROXIES: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseTrustedProxies(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default([]),
  /** Replaced by AIRLOCK_TRUSTED_PROXIES: trusting every client's X-Forwarded-For was the hole. */
  AIRLOCK_TRUST_PROXY: z
    .string()
    .refine(() => false, "was replaced by AIRLOCK_TRUSTED_PROXIES (the addresses of your proxies); unset it")
    .optional(),
  AIRLOCK_DATA_DIR: z.string().min(1).default(".airlock"),
  AIRLOCK_PG_PORT: port.optional(),
  AIRLOCK_CONFIG: z.string().min(1).default("airlock.config.ts"),
  AIRLOCK_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  /** Demo users and data. On by default with the embedded database, off with DATABASE_URL. */
  AIRLOCK_DEMO: flag.optional(),
  /** Public base URL (OIDC redirects, Secure cookies when https, the only origin allowed to change state). */
  AIRLOCK_PUBLIC_URL: z.url().optional(),
  /** How long POST /runs waits for a queued run to finish before answering 202. */
  AIRLOCK_RUN_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Workers started in the server process (0 = none; run `airlock worker` instead). */
  AIRLOCK_WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(256).default(8),
  AIRLOCK_DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  /** Days after a run finishes that its raw PII stays revealable; then it is masked in place. */
  AIRLOCK_PII_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days a notification (in-app, read or not; a delivered or given-up email, Slack message, webhook call) is kept. */
  AIRLOCK_NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Ed25519 private key (PKCS#8 PEM, or base64 of its DER) that signs audit seals. */
  AIRLOCK_AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  /** Resources an admin marks internal: their HTTP calls may reach private and loopback addresses. */
  AIRLOCK_INTERNAL_RESOURCES: z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .default([]),
  /** Base64 of 32 random bytes: the master key that wraps the data keys of secrets and run PII. */
  AIRLOCK_MASTER_KEY: z.string().min(1).optional(),
  /** Previous master keys (comma-separated), read-only until `airlock secrets rotate-key` is done. */
  AIRLOCK_MASTER_KEY_PREVIOUS: z.string().min(1).optional(),
  AIRLOCK_OIDC_ISSUER: z.url().optional(),
  AIRLOCK_OIDC_CLIENT_ID: z.string().min(1).optional(),
  AIRLOCK_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  AIRLOCK_OIDC_GROUPS_CLAIM: z.string().min(1).optional(),
  /** SMTP relay for email notifications: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465. */
  AIRLOCK_SMTP_URL: z
    .url()
    .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
    .optional(),
  AIRLOCK_SMTP_FROM: z.string().min(3).default("Airlock <airlock@localhost>"),
  /** Slack app: bot token (xoxb-…), signing secret, and the channel approval requests go to. */
  AIRLOCK_SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[a-z]-/, "must be a Slack token (xoxb-…)")
    .optional(),
  AIRLOCK_SLACK_SIGNING_SECRET: z.string().min(16).optional(),
  AIRLOCK_SLACK_CHANNEL: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,20}$/, "must be a Slack channel id (C…)")
    .optional(),
  /** Slack's Web API base URL (a stand-in in tests). */
  AIRLOCK_SLACK_API_URL: z.url().default("https://slack.com/api"),
});

export interface Config {
  databaseUrl: string | null;
  port: number;
  host: string;
  /** Entries of AIRLOCK_TRUSTED_PROXIES (IPs and CIDRs), validated. */
  trustedProxies: string[];
  dataDir: string;
  embeddedPgPort: number | null;
  workspacePath: string;
  logLevel: z.infer<typeof schema>["AIRLOCK_LOG_LEVEL"];
  demo: boolean;
  publicUrl: string | null;
  runWaitMs: number;
  workerConcurrency: number;
  poolSize: number;
  piiRetentionDays: number;
  notificationRetentionDays: number;
  auditSigningKey: string | null;
  /** Checked when the instance starts (runtime/master-keyring.ts), never echoed. */
  masterKey: string | null;
  masterKeyPrevious: string | null;
  oidc: { issuer: string; clientId: string; clientSecret: string; groupsClaim: string | null } | null;
  /** Names from AIRLOCK_INTERNAL_RESOURCES. */
  internalResources: string[];
  /** Email notifications: the relay (null: no email, or the demo's local sink in demo mode). */
  smtp: { url: string | null; from: string };
  /** Slack: approval requests with Approve / Reject in a channel; null when not configured. */
  slack: { botToken: string; signingSecret: string; channel: string; apiUrl: string } | null;
}

export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // Empty strings mean "unset" (a common shell accident: `DATABASE_URL= npm start`).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new StartupError("config.invalid", `Configuration is not valid: ${lines.join("; ")}`);
  }
  const e = parsed.data;
  const oidcParts = [e.AIRLOCK_OIDC_ISSUER, e.AIRLOCK_OIDC_CLIENT_ID, e.AIRLOCK_OIDC_CLIENT_SECRET];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    throw new StartupError(
      "config.invalid",
      "Configuration is not valid: AIRLOCK_OIDC_ISSUER, AIRLOCK_OIDC_CLIENT_ID and AIRLOCK_OIDC_CLIENT_SECRET go together; set all three or none.",
    );
  }
  const slackParts = [e.AIRLOCK_SLACK_BOT_TOKEN, e.AIRLOCK_SLACK_SIGNING_SECRET, e.AIRLOCK_SLACK_CHANNEL];
  if (slackParts.some(Boolean) && !slackParts.every(Boolean)) {
    throw new StartupError(
      "config.invalid",
      "Configuration is not valid: AIRLOCK_SLACK_BOT_TOKEN, AIRLOCK_SLACK_SIGNING_SECRET and AIRLOCK_SLACK_CHANNEL go together; set all three or none.",
    );
  }
  return {
    databaseUrl: e.DATABASE_URL ?? null,
    port: e.PORT,
    host: e.HOST,
    trustedProxies: e.AIRLOCK_TRUSTED_PROXIES,
    dataDir: resolve(cwd, e.AIRLOCK_DATA_DIR),
    embeddedPgPort: e.AIRLOCK_PG_PORT ?? null,
    workspacePath: resolve(cwd, e.AIRLOCK_CONFIG),
    logLevel: e.AIRLOCK_LOG_LEVEL,
    // Demo logins never appear on a production database unless asked for explicitly.
    demo: e.AIRLOCK_DEMO ?? e.DATABASE_URL === undefined,
    publicUrl: e.AIRLOCK_PUBLIC_URL ?? null,
    runWaitMs: e.AIRLOCK_RUN_WAIT_MS,
    workerConcurrency: e.AIRLOCK_WORKER_CONCURRENCY,
    poolSize: e.AIRLOCK_DB_POOL_SIZE,
    piiRetentionDays: e.AIRLOCK_PII_RETENTION_DAYS,
    notificationRetentionDays: e.AIRLOCK_NOTIFICATION_RETENTION_DAYS,
    auditSigningKey: e.AIRLOCK_AUDIT_SIGNING_KEY ?? null,
    masterKey: e.AIRLOCK_MASTER_KEY ?? null,
    masterKeyPrevious: e.AIRLOCK_MASTER_KEY_PREVIOUS ?? null,
    oidc:
      e.AIRLOCK_OIDC_ISSUER && e.AIRLOCK_OIDC_CLIENT_ID && e.AIRLOCK_OIDC_CLIENT_SECRET
        ? {
            issuer: e.AIRLOCK_OIDC_ISSUER,
            clientId: e.AIRLOCK_OIDC_CLIENT_ID,
            clientSecret: e.AIRLOCK_OIDC_CLIENT_SECRET,
            groupsClaim: e.AIRLOCK_OIDC_GROUPS_CLAIM ?? null,
          }
        : null,
    internalResources: e.AIRLOCK_INTERNAL_RESOURCES,
    smtp: { url: e.AIRLOCK_SMTP_URL ?? null, from: e.AIRLOCK_SMTP_FROM },
    slack:
      e.AIRLOCK_SLACK_BOT_TOKEN && e.AIRLOCK_SLACK_SIGNING_SECRET && e.AIRLOCK_SLACK_CHANNEL
        ? {
            botToken: e.AIRLOCK_SLACK_BOT_TOKEN,
            signingSecret: e.AIRLOCK_SLACK_SIGNING_SECRET,
            channel: e.AIRLOCK_SLACK_CHANNEL,
            apiUrl: e.AIRLOCK_SLACK_API_URL,
          }
        : null,
  };
}
