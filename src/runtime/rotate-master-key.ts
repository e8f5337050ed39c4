// Master key rotation: every record's data key is re-wrapped under the current master key, while
// the previous keys are still held for reading (AIRLOCK_MASTER_KEY_PREVIOUS, or the key file's
// later lines). Once it reports nothing left under another key, the previous keys can go.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { rewrapItemEnvelopes } from "../bulk/bulk-item-values.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { rewrapWebhookSecrets } from "../notify/webhook-secrets.ts";
import { rewrapRunEnvelopes } from "../runs/run-value-sealing.ts";
import { rewrapSealedKeys } from "../secrets/sealed-keys.ts";
import { rewrapSecrets } from "../secrets/secret-store.ts";

export interface RotationReport {
  keyId: string;
  secrets: number;
  /** Runs whose sealed PII (parameters, result) was re-wrapped. */
  runs: number;
  /** Records whose data key none of the held keys unwraps (named; never their values). */
  unreadable: string[];
}

export async function rotateMasterKey(pool: pg.Pool, keyring: Keyring): Promise<RotationReport> {
  const secrets = await rewrapSecrets(pool, keyring);
  const runs = await rewrapRunEnvelopes(pool, keyring);
  const keys = await rewrapSealedKeys(pool, keyring);
  const webhooks = await rewrapWebhookSecrets(pool, keyring);
  // Bulk items waiting to run (or to be retried) keep their classified parameters sealed too.
  const items = await rewrapItemEnvelopes(pool, keyring);
  const report: RotationReport = {
    keyId: keyring.current.id,
    secrets: secrets.rewrapped,
    runs: runs.rewrapped,
    unreadable: [
      ...secrets.unreadable.map((name) => `secret ${name}`),
      ...runs.unreadable.map((id) => `run ${id}`),
      ...keys.unreadable.map((name) => `key ${name}`),
      ...webhooks.unreadable.map((id) => `webhook ${id}`),
      ...items.unreadable.map((id) => `bulk item ${id}`),
    ],
  };
  await appendAudit(pool, [
    {
      type: "master_key.rotated",
      outcome: report.unreadable.length === 0 ? "success" : "failure",
      actorKind: null,
      data: {
        keyId: report.keyId,
        previousKeyIds: [...keyring.keys.keys()].filter((id) => id !== keyring.current.id),
        secrets: report.secrets,
        runs: report.runs,
        unreadable: report.unreadable,
      },
    },
  ]);
  return report;
}
