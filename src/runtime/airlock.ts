// The composition root: builds one Airlock instance from its configuration and a database URL.
// Everything is created here and passed down; nothing is global, so two instances can live in one
// process (the tests do this).
import { readFileSync } from "node:fs";
import type pino from "pino";
import { type Approvals, createApprovals } from "../approval/approvals.ts";
import { pendingApprovalStats } from "../approval/pending-approval-stats.ts";
import { createPolicyModes } from "../approval/policy-modes.ts";
import { createSealer } from "../audit/sealer.ts";
import { unsealedAuditStats } from "../audit/unsealed-audit-stats.ts";
import { purgeExpiredItemPii } from "../bulk/bulk-item-values.ts";
import { type Bulk, createBulk } from "../bulk/bulks.ts";
import { createSavedQueries } from "../bulk/saved-queries.ts";
import type { Config } from "../config/config.ts";
import { type Control, createControl } from "../control/control.ts";
import type { ControlDeps } from "../control/control-deps.ts";
import { createRunWaiter } from "../control/run-waiter.ts";
import { EnvelopeError } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { type Engine, startEngine } from "../engine/engine.ts";
import { StartupError } from "../errors/startup-error.ts";
import {
  type AccessReviewSchedules,
  createAccessReviewSchedules,
} from "../governance/access-review-schedules.ts";
import { createAccessReviews } from "../governance/access-reviews.ts";
import { recordActionVersions } from "../governance/action-versions.ts";
import { closeExpired } from "../governance/break-glass.ts";
import { startBreakGlassAlerts } from "../governance/break-glass-alerts.ts";
import { type ChangeRequests, createChangeRequests } from "../governance/change-requests.ts";
import { changeSubjectKind } from "../governance/change-subject.ts";
import { startInvitationMail } from "../governance/invitation-mail.ts";
import { governanceReviewerRefusal } from "../governance/reviewer-refusal.ts";
import { type Authorizer, createAuthorizer } from "../identity/authorizer.ts";
import { syncDirectory } from "../identity/sync-directory.ts";
import { pruneInteractions } from "../integrations/slack/slack-interactions.ts";
import { pruneLinkRequests } from "../integrations/slack/slack-link-requests.ts";
import { createLiveFeed } from "../notify/live-feed.ts";
import { pruneNotifications } from "../notify/notification-retention.ts";
import { sealPlaintextWebhookSecrets } from "../notify/webhook-secrets.ts";
import { createLogger, type Log } from "../observe/logger.ts";
import { createMetrics, type Metrics } from "../observe/metrics.ts";
import { registerStateGauges } from "../observe/state-gauges.ts";
import { openResources, type Resources, type SecretReader } from "../resources/resources.ts";
import { createRunbooks, type Runbooks } from "../runbooks/runbooks.ts";
import { purgeExpiredPii } from "../runs/pii-retention.ts";
import { queuedRunStats } from "../runs/run-queue-stats.ts";
import { sealRawRuns } from "../runs/run-value-sealing.ts";
import { createSchedules, type Schedules } from "../schedules/schedules.ts";
import type { DemoSwitch } from "../sdk/define-workspace.ts";
import { sealedKey } from "../secrets/sealed-keys.ts";
import { readSecret } from "../secrets/secret-store.ts";
import { accessReviewRoutes } from "../server/access-review-routes.ts";
import { actionRoutes } from "../server/action-routes.ts";
import { createApp } from "../server/app.ts";
import { approvalRoutes } from "../server/approval-routes.ts";
import { auditRoutes } from "../server/audit-routes.ts";
import { authMiddleware } from "../server/auth-middleware.ts";
import { breakGlassRoutes } from "../server/break-glass-routes.ts";
import { bulkRoutes } from "../server/bulk-routes.ts";
import { demoSwitchRoutes } from "../server/demo-switch-routes.ts";
import { eventStreamRoutes } from "../server/event-stream-routes.ts";
import { governanceRoutes } from "../server/governance-routes.ts";
import { healthRoutes, metricsRoute, type ReadyReport } from "../server/health-routes.ts";
import { identityAccess } from "../server/identity-routes.ts";
import { notificationRoutes } from "../server/notification-routes.ts";
import { openApiRoute } from "../server/openapi.ts";
import { policyRoutes } from "../server/policy-routes.ts";
import { runRetryRoutes } from "../server/run-retry-routes.ts";
import { runRoutes } from "../server/run-routes.ts";
import { runbookRoutes } from "../server/runbook-routes.ts";
import { savedQueryRoutes } from "../server/saved-query-routes.ts";
import { scheduleRoutes } from "../server/schedule-routes.ts";
import { secretRoutes } from "../server/secret-routes.ts";
import { slackRoutes } from "../server/slack-routes.ts";
import { webRoutes } from "../server/web-routes.ts";
import { webhookRoutes } from "../server/webhook-routes.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { AIRLOCK_MIGRATIONS, type MigrationSource, pendingMigrations } from "../store/migrate.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { auditSigningKey, publicKeyPem } from "./audit-signing-key.ts";
import { startMaintenance } from "./maintenance.ts";
import { masterKeyring } from "./master-keyring.ts";
import { startNotifications, webBaseUrl } from "./notifications.ts";
import { ENGINE_QUEUES } from "./queues.ts";

export interface AirlockOptions {
  config: Config;
  workspace: CompiledWorkspace;
  databaseUrl: string;
  log?: Log;
  logDestination?: pino.DestinationStream;
  /** The database is the embedded one (an audit signing key is then generated and kept in the data dir). */
  embedded?: boolean;
  /** Named race points for tests (see house style, rule 9). */
  racePoint?: ControlDeps["racePoint"];
  /** Check every API answer against its declared schema (tests; see server/app.ts). */
  checkResponses?: boolean;
  /** Where resources read their secrets. */
  secrets?: SecretReader;
  /** Resources marked internal besides AIRLOCK_INTERNAL_RESOURCES (demo mode's local stand-ins). */
  internalResources?: readonly string[];
  /** Name resolution for HTTP resources (tests). */
  resolve?: (hostname: string) => Promise<string[]>;
  /** Demo mode: the stand-ins' switches, for admins in the UI (none: the routes answer 404). */
  demoSwitches?: readonly DemoSwitch[];
  /**
   * A job engine already started on this database (`airlock dev` starts the next reload's ahead:
   * it does not depend on the workspace). The instance owns it from here and stops it on close.
   */
  engine?: Engine;
  /** Other versions of actions this process still holds (`airlock dev`; see ControlDeps). */
  heldVersion?: ControlDeps["heldVersion"];
}

export interface Airlock {
  config: Config;
  workspace: CompiledWorkspace;
  log: Log;
  metrics: Metrics;
  database: Database;
  engine: Engine;
  authorizer: Authorizer;
  control: Control;
  approvals: Approvals;
  resources: Resources;
  /** The master keys (null: none configured, production only; see runtime/master-keyring.ts). */
  keyring: Keyring | null;
  /** Four-eyes on access and policy changes (src/governance). */
  changes: ChangeRequests;
  runbooks: Runbooks;
  schedules: Schedules;
  accessReviewSchedules: AccessReviewSchedules;
  /** Bulk actions: batches of items under one approval (src/bulk). */
  bulk: Bulk;
  app: ReturnType<typeof createApp>["app"];
  migrationSources: MigrationSource[];
  ready(): Promise<ReadyReport>;
  /** Ends the live-updates streams it serves; their browsers reconnect at once (`airlock dev`'s reload). */
  endLiveStreams(): void;
  close(): Promise<void>;
}

export function migrationSourcesFor(workspace: CompiledWorkspace): MigrationSource[] {
  const sources = [AIRLOCK_MIGRATIONS];
  if (workspace.migrationsDir)
    sources.push({ scope: `workspace:${workspace.name}`, dir: workspace.migrationsDir });
  return sources;
}

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export async function createAirlock(options: AirlockOptions): Promise<Airlock> {
  const { config, workspace } = options;
  const log =
    options.log ??
    createLogger({
      level: config.logLevel,
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
  const metrics = createMetrics({ defaultMetrics: true });
  const database = openDatabase({ url: options.databaseUrl, max: config.poolSize, log });
  const migrationSources = migrationSourcesFor(workspace);
  const closers: (() => Promise<void>)[] = [() => database.close()];
  // A given engine is stopped even when the start fails before the engine's turn below.
  const givenEngine = options.engine;
  if (givenEngine) closers.unshift(() => givenEngine.stop());
  registerStateGauges(
    metrics.registry,
    {
      queuedRuns: () => queuedRunStats(database.pool),
      pendingApprovals: () => pendingApprovalStats(database.pool),
      unsealedAudit: () => unsealedAuditStats(database.pool),
    },
    (error) => log.warn({ err: error }, "metrics: could not read the queue and approval gauges"),
  );

  try {
    // First: a malformed key stops the start before anything else is opened.
    const keyring = masterKeyring(config, log, { embedded: options.embedded ?? false });
    // Keyed parameter hashes (runs/params-hash.ts): the key is created once, sealed in the database.
    const paramsHashKey = keyring ? await paramsHashKeyOf(database.pool, keyring) : null;
    // Resources read their secrets from the secret store (values given by the caller — demo
    // mode's stand-ins — first); a missing one stops the start naming the resource.
    const given = options.secrets;
    const resources = await openResources(workspace.resources, {
      secrets: {
        read: async (name) =>
          (await given?.read(name)) ?? (await readSecret(database.pool, keyring, name)) ?? null,
      },
      log,
      internal: new Set([...config.internalResources, ...(options.internalResources ?? [])]),
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
    closers.push(() => resources.close());
    await syncDirectory(database.pool, workspace, { demo: config.demo });
    await recordActionVersions(database.pool, workspace, { demo: config.demo });
    const engine =
      givenEngine ?? (await startEngine({ url: options.databaseUrl, log, queues: ENGINE_QUEUES }));
    if (!givenEngine) closers.unshift(() => engine.stop());
    const authorizer = createAuthorizer(workspace, database.pool);
    const waiter = createRunWaiter(database.pool);
    closers.unshift(async () => waiter.close());
    const policyModes = createPolicyModes(database.pool);
    const control = createControl({
      workspace,
      pool: database.pool,
      engine,
      authorizer,
      log,
      metrics,
      waiter,
      runWaitMs: config.runWaitMs,
      keyring,
      paramsHashKey,
      policyModes,
      resources,
      ...(options.racePoint ? { racePoint: options.racePoint } : {}),
      ...(options.heldVersion ? { heldVersion: options.heldVersion } : {}),
    });
    const approvals = createApprovals({
      workspace,
      pool: database.pool,
      engine,
      authorizer,
      log,
      metrics,
      policyModes,
      keyring,
      paramsHashKey,
      outboxPollMs: 2_000,
      reviewerRefusal: governanceReviewerRefusal,
      ...(options.racePoint ? { racePoint: options.racePoint } : {}),
    });
    closers.unshift(() => approvals.close());
    // Four-eyes on access and policy changes: a change request is an approval subject.
    const changeDeps = {
      workspace,
      authorizer,
      pool: database.pool,
      policyModes,
      afterApply: () => {
        authorizer.invalidate();
        policyModes.invalidate();
      },
    };
    approvals.subjects.register(changeSubjectKind(changeDeps));
    const changes = createChangeRequests({ ...changeDeps, approvals: approvals.deps });
    const runbooks = await createRunbooks({
      workspace,
      pool: database.pool,
      databaseUrl: options.databaseUrl,
      authorizer,
      control,
      events: approvals.events,
      approvals,
      log,
    });
    closers.unshift(() => runbooks.close());
    const schedules = await createSchedules({
      workspace,
      pool: database.pool,
      databaseUrl: options.databaseUrl,
      authorizer,
      control,
      runbooks,
      log,
    });
    closers.unshift(() => schedules.close());
    const accessReviews = createAccessReviews({ pool: database.pool, workspace, authorizer, changes });
    const accessReviewSchedules = await createAccessReviewSchedules({
      pool: database.pool,
      databaseUrl: options.databaseUrl,
      workspace,
      authorizer,
      reviews: accessReviews,
      log,
    });
    closers.unshift(() => accessReviewSchedules.close());
    // Webhook secrets written before they were sealed (migration 0054) are sealed now, once.
    const sealedWebhooks = keyring ? await sealPlaintextWebhookSecrets(database.pool, keyring) : 0;
    if (sealedWebhooks > 0) log.info({ webhooks: sealedWebhooks }, "sealed plain-text webhook secrets");
    const bulk = await createBulk({
      workspace,
      pool: database.pool,
      databaseUrl: options.databaseUrl,
      authorizer,
      control,
      approvals: approvals.deps,
      log,
      ...(options.racePoint ? { racePoint: options.racePoint } : {}),
    });
    closers.unshift(() => bulk.close());
    const savedQueries = createSavedQueries({
      workspace,
      pool: database.pool,
      authorizer,
      control,
      keyring: approvals.deps.keyring,
    });
    const notifications = await startNotifications({
      config,
      workspace,
      database,
      engine,
      authorizer,
      approvals,
      keyring,
      log,
    });
    closers.unshift(() => notifications.stop());
    // Invitation links are minted and emailed here, never stored (src/governance/invitation-mail.ts).
    const stopInvitationMail = startInvitationMail({
      pool: database.pool,
      events: approvals.events,
      email: notifications.email,
      baseUrl: webBaseUrl(config),
      showLinks: notifications.demoMailbox,
      log,
    });
    closers.unshift(async () => stopInvitationMail());
    const stopBreakGlassAlerts = startBreakGlassAlerts({
      pool: database.pool,
      events: approvals.events,
      engine,
      workspace,
      authorizer,
      baseUrl: webBaseUrl(config),
      emailOn: notifications.email !== null,
    });
    closers.unshift(async () => stopBreakGlassAlerts());
    const liveFeed = createLiveFeed({ pool: database.pool, workspace, authorizer, log });
    closers.unshift(() => liveFeed.stop());
    await control.startWorkers(config.workerConcurrency);
    const signingKey = auditSigningKey(config, log, { embedded: options.embedded ?? false });
    const sealer = createSealer({ pool: database.streamPool, log, signingKey, metrics });
    sealer.start();
    closers.unshift(() => sealer.stop());
    await startMaintenance(engine, database, log, [
      {
        name: "mask expired PII of runs",
        run: () => purgeExpiredPii(database.pool, workspace, config.piiRetentionDays),
      },
      {
        name: "drop sealed parameters of bulk items past retention",
        run: () => purgeExpiredItemPii(database.pool, config.piiRetentionDays),
      },
      { name: "expire approval requests", run: () => approvals.sweeper.sweep() },
      {
        name: "seal PII of runs written before encryption at rest",
        run: async () => (keyring ? await sealRawRuns(database.pool, workspace, keyring) : 0),
      },
      {
        name: "delete notifications past retention",
        run: () => pruneNotifications(database.pool, config.notificationRetentionDays),
      },
      { name: "forget handled Slack interactions", run: () => pruneInteractions(database.pool) },
      { name: "forget expired Slack link requests", run: () => pruneLinkRequests(database.pool) },
      { name: "end break-glass elevations whose time is up", run: () => closeExpired(database.pool) },
    ]);

    async function ready(): Promise<ReadyReport> {
      const checks: ReadyReport["checks"] = {};
      try {
        const client = await database.pool.connect();
        try {
          await client.query("SELECT 1");
          checks.database = { ok: true };
          const pending = await pendingMigrations(client, migrationSources);
          checks.migrations =
            pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(", ")}` };
        } finally {
          client.release();
        }
      } catch (error) {
        checks.database = { ok: false, detail: (error as Error).message };
      }
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    }

    let table: ReturnType<typeof createApp>["table"] | null = null;
    const identity = identityAccess({ config, workspace, authorizer, database, changes });
    const created = createApp({
      log,
      metrics,
      trustedProxies: config.trustedProxies,
      checkResponses: options.checkResponses ?? false,
      middleware: [authMiddleware(identity.authenticate)],
      // The UI answers every GET outside /api, /auth and health (SPA fallback); see web-routes.ts.
      plain: [metricsRoute({ registry: metrics.registry }), webRoutes()],
      routes: [
        healthRoutes({ ready }),
        actionRoutes({ workspace, pool: database.pool, authorizer, control, policyModes }),
        runRoutes({ workspace, authorizer, database, keyring }),
        runRetryRoutes({ workspace, authorizer, database, keyring, control }),
        auditRoutes({
          workspace,
          authorizer,
          database,
          databaseUrl: options.databaseUrl,
          verifyKeys: () => (signingKey ? [publicKeyPem(signingKey)] : []),
        }),
        approvalRoutes({ workspace, approvals }),
        policyRoutes({ ...approvals.deps, changes }),
        governanceRoutes({ changes, workspace, authorizer, database }),
        breakGlassRoutes({ pool: database.pool, workspace, authorizer }),
        accessReviewRoutes({
          reviews: accessReviews,
          schedules: accessReviewSchedules,
          authorizer,
          database,
        }),
        runbookRoutes({ runbooks }),
        scheduleRoutes({ schedules }),
        bulkRoutes({ bulk, savedQueries }),
        savedQueryRoutes({ savedQueries }),
        ...identity.routes,
        secretRoutes({ database, authorizer, keyring }),
        notificationRoutes({ database, authorizer, demoMailbox: notifications.demoMailbox }),
        slackRoutes({
          slack: notifications.slack,
          database,
          authorizer,
          approvals,
          baseUrl: webBaseUrl(config),
        }),
        eventStreamRoutes({ feed: liveFeed, authenticate: identity.authenticate }),
        webhookRoutes({ database, authorizer, keyring }),
        demoSwitchRoutes({ database, authorizer, switches: options.demoSwitches ?? [] }),
        openApiRoute({ table: () => table!, version: VERSION, workspace, authorizer }),
      ],
    });
    table = created.table;

    let closed = false;
    return {
      config,
      workspace,
      log,
      metrics,
      database,
      engine,
      authorizer,
      control,
      approvals,
      resources,
      keyring,
      changes,
      runbooks,
      schedules,
      accessReviewSchedules,
      bulk,
      app: created.app,
      migrationSources,
      ready,
      endLiveStreams: () => liveFeed.endAll(),
      async close() {
        if (closed) return;
        closed = true;
        for (const close of closers)
          await close().catch((error) => log.warn({ err: error }, "error while closing"));
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => {});
    throw error;
  }
}

async function paramsHashKeyOf(pool: Parameters<typeof sealedKey>[0], keyring: Keyring): Promise<Buffer> {
  try {
    return await sealedKey(pool, keyring, "params_hash");
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    throw new StartupError(
      "config.invalid",
      `AIRLOCK_MASTER_KEY: the key of the parameter hashes does not open with the configured master keys (${(error as Error).message}); was the master key changed without rotation? (docs/secrets.md)`,
    );
  }
}
