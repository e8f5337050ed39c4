// Notifications for one Airlock instance: the email sender (the configured relay, or in demo mode
// a local sink), the channels, and the notifier that turns events into deliveries.
import type { Approvals } from "../approval/approvals.ts";
import type { Config } from "../config/config.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Engine } from "../engine/engine.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { createSlackApi } from "../integrations/slack/slack-api.ts";
import { slackChannel } from "../integrations/slack/slack-channel.ts";
import { startDemoMailSink } from "../notify/demo-mail-sink.ts";
import { createEmailSender, type EmailSender, redactedSmtpUrl } from "../notify/email-sender.ts";
import { startNotifier } from "../notify/notifier.ts";
import { webhookChannel } from "../notify/webhooks.ts";
import type { Log } from "../observe/logger.ts";
import type { SlackIntegration } from "../server/slack-routes.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

export interface NotificationsDeps {
  config: Config;
  workspace: CompiledWorkspace;
  database: Database;
  engine: Engine;
  authorizer: Authorizer;
  approvals: Approvals;
  /** Webhook signing secrets are sealed under it (null: none configured). */
  keyring: Keyring | null;
  log: Log;
}

export interface Notifications {
  /** The demo's local mail sink is running (the Mailbox page exists only then). */
  demoMailbox: boolean;
  /** The email sender (the relay, or the demo's sink); null when no email is configured. */
  email: EmailSender | null;
  /** Slack's Web API and the app's secrets, for the interactivity endpoint; null without Slack. */
  slack: SlackIntegration | null;
  stop(): Promise<void>;
}

/** Where links in notifications point: the public URL, or this server's local address. */
export function webBaseUrl(config: Config): string {
  return (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, "");
}

export async function startNotifications(deps: NotificationsDeps): Promise<Notifications> {
  const { config, log } = deps;
  const sink = config.smtp.url === null && config.demo ? await startDemoMailSink() : null;
  const smtpUrl = config.smtp.url ?? sink?.url ?? null;
  if (sink) log.info({ smtp: sink.url }, "demo mode: email goes to a local mail sink; see the Mailbox page");
  else if (smtpUrl) log.info({ smtp: redactedSmtpUrl(smtpUrl) }, "email notifications on");
  const email = smtpUrl ? createEmailSender({ url: smtpUrl, from: config.smtp.from }) : null;
  const slack = config.slack
    ? {
        api: createSlackApi({ token: config.slack.botToken, baseUrl: config.slack.apiUrl }),
        signingSecret: config.slack.signingSecret,
        channel: config.slack.channel,
      }
    : null;
  const notifier = await startNotifier({
    pool: deps.database.pool,
    workspace: deps.workspace,
    authorizer: deps.authorizer,
    engine: deps.engine,
    events: deps.approvals.events,
    log,
    baseUrl: webBaseUrl(config),
    email,
    channels: {
      webhook: webhookChannel({ db: deps.database.pool, keyring: deps.keyring }),
      ...(slack
        ? {
            slack: slackChannel({ db: deps.database.pool, api: slack.api, channel: slack.channel, log }),
          }
        : {}),
    },
  });
  return {
    demoMailbox: sink !== null,
    email,
    slack,
    async stop() {
      await notifier.stop();
      await sink?.close();
    },
  };
}
