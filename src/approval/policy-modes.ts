// A policy's mode in force: the mode declared in code, unless an admin stored an override
// (migrations/0008_policy_modes.sql). The approval-policy stage asks for the effective mode of
// every policy it evaluates, so overrides are cached for at most CACHE_MS, like stored grants: a
// change takes effect within that time on every process (and at once on the one that made it).
import type pg from "pg";
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { CACHE_MS } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction, CompiledPolicy } from "../workspace/compile-workspace.ts";

export type PolicyMode = "enforce" | "monitor";

export interface ModeOverride {
  mode: PolicyMode;
  reason: string;
  changedBy: string;
  changedAt: Date;
}

export interface PolicyModes {
  /** The mode in force for this policy of this action. */
  effectiveMode(action: string, policy: Pick<CompiledPolicy, "name" | "mode">): Promise<PolicyMode>;
  /** Stored overrides, keyed by `overrideKey(action, policy)`. */
  overrides(): Promise<ReadonlyMap<string, ModeOverride>>;
  /** Store a mode for a policy (audited as policy.mode_changed). No-op when it is already in force. */
  setMode(input: {
    actor: Principal;
    action: CompiledAction;
    policy: CompiledPolicy;
    mode: PolicyMode;
    reason: string;
    requestId: string;
    client: ClientInfo;
  }): Promise<{ changed: boolean; from: PolicyMode; to: PolicyMode }>;
  invalidate(): void;
}

export function overrideKey(action: string, policy: string): string {
  return `${action}\u0000${policy}`;
}

export function createPolicyModes(pool: pg.Pool): PolicyModes {
  let cached: { at: number; map: Map<string, ModeOverride> } | null = null;

  async function overrides(): Promise<Map<string, ModeOverride>> {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.map;
    const result = await pool.query<{
      action: string;
      policy: string;
      mode: PolicyMode;
      reason: string;
      changed_by: string;
      changed_at: Date;
    }>("SELECT action, policy, mode, reason, changed_by, changed_at FROM airlock.policy_modes");
    const map = new Map<string, ModeOverride>();
    for (const row of result.rows) {
      map.set(overrideKey(row.action, row.policy), {
        mode: row.mode,
        reason: row.reason,
        changedBy: row.changed_by,
        changedAt: row.changed_at,
      });
    }
    cached = { at: Date.now(), map };
    return map;
  }

  return {
    overrides,
    invalidate() {
      cached = null;
    },
    async effectiveMode(action, policy) {
      return (await overrides()).get(overrideKey(action, policy.name))?.mode ?? policy.mode;
    },
    async setMode(input) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await storeMode(client, input);
        if (!result.changed) {
          await client.query("ROLLBACK");
          return result;
        }
        await client.query("COMMIT");
        cached = null;
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

export type ModeChangeInput = Parameters<PolicyModes["setMode"]>[0];

/**
 * Stores a policy's mode with its audit event inside the caller's transaction (a change request
 * applied on its approval); the caller drops the cache (`invalidate`) after COMMIT.
 */
export async function storeMode(
  client: Queryable,
  input: ModeChangeInput,
): Promise<{ changed: boolean; from: PolicyMode; to: PolicyMode }> {
  // Serialize changes to one policy, so `from` in the audit is the mode really replaced
  // even when two admins change it at the same moment.
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", [
    `policy_mode:${input.action.name}`,
    input.policy.name,
  ]);
  const current = await client.query<{ mode: PolicyMode }>(
    "SELECT mode FROM airlock.policy_modes WHERE action = $1 AND policy = $2",
    [input.action.name, input.policy.name],
  );
  const from = current.rows[0]?.mode ?? input.policy.mode;
  if (from === input.mode) return { changed: false, from, to: input.mode };
  await client.query(
    `INSERT INTO airlock.policy_modes (action, policy, mode, reason, changed_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (action, policy) DO UPDATE
       SET mode = EXCLUDED.mode, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = now()`,
    [input.action.name, input.policy.name, input.mode, scrubText(input.reason), input.actor.id],
  );
  await appendAudit(client, [
    {
      type: "policy.mode_changed",
      outcome: "success",
      actorId: input.actor.id,
      actorKind: input.actor.kind,
      action: input.action.name,
      actionVersion: input.action.version,
      requestId: input.requestId,
      reason: scrubText(input.reason),
      clientIp: input.client.clientIp,
      userAgent: input.client.userAgent,
      data: { policy: input.policy.name, from, to: input.mode, codeDefault: input.policy.mode },
    },
  ]);
  return { changed: true, from, to: input.mode };
}
