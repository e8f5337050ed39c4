// Saved queries: a read-only SQL action with its parameters, kept by one person under a name, to
// start a bulk batch from the rows it returns at that moment. Only read-only SQL actions can be
// saved, because a saved query is re-run, unasked, every time a batch is previewed or started from
// it. It is re-run as the caller through the control layer (`control.submit`): grants, policies,
// audit and the run itself, as when the caller runs the action by hand, so someone who may not run
// the query cannot use it. Only its owner sees, uses or deletes it; another person's saved query
// answers as if it did not exist.
import type pg from "pg";
import type { SavedQuery } from "../api/saved-queries.ts";
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { EnvelopeError } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { issuesOf } from "../errors/issues.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import { openClassified, sealClassified } from "../runs/run-values.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";

export interface SavedQueryDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  authorizer: Authorizer;
  control: Control;
  keyring: Keyring | null;
}

interface Asker {
  principal: Principal;
  requestId: string;
  client: ClientInfo;
}

interface SavedQueryRow {
  id: string;
  owner_id: string;
  name: string;
  action: string;
  params: Record<string, unknown>;
  params_sealed: Buffer | null;
  created_at: Date;
}

export interface SavedQueries {
  create(
    asker: Asker,
    input: { name: string; action: string; params: Record<string, unknown> },
  ): Promise<SavedQuery>;
  /** The caller's own saved queries, newest first. */
  list(principal: Principal): Promise<SavedQuery[]>;
  remove(asker: Asker, id: string): Promise<void>;
  /** Run the saved query now, as the caller, and answer its action and result rows. */
  rows(
    asker: Asker,
    id: string,
  ): Promise<{ query: SavedQuery; runId: string; rows: Record<string, unknown>[] }>;
}

function paramsContext(id: string): string {
  return `airlock.saved_queries:${id}:params`;
}

/** True for an action that is one read-only SQL statement: the only kind safe to re-run unasked. */
export function isReadOnlySql(action: CompiledAction | undefined): action is CompiledAction {
  const uses = action?.definition.uses;
  return uses?.kind === "sql" && !uses.write;
}

function view(row: SavedQueryRow): SavedQuery {
  return {
    id: row.id,
    name: row.name,
    action: row.action,
    params: row.params,
    createdAt: row.created_at.toISOString(),
  };
}

export function createSavedQueries(deps: SavedQueryDeps): SavedQueries {
  const { pool, workspace, authorizer } = deps;

  async function own(principal: Principal, id: string): Promise<SavedQueryRow> {
    const { rows } = await pool.query<SavedQueryRow>(
      "SELECT * FROM airlock.saved_queries WHERE id = $1 AND owner_id = $2",
      [id, principal.id],
    );
    if (!rows[0]) throw new AirlockError("query.not_found");
    return rows[0];
  }

  async function readOnlyAction(principal: Principal, name: string): Promise<CompiledAction> {
    const action = workspace.actions.get(name);
    if (!action || !(await authorizer.can(principal, "view", action)).allowed)
      throw new AirlockError("action.not_found");
    if (!isReadOnlySql(action)) throw new AirlockError("query.not_read_only", undefined, { action: name });
    return action;
  }

  return {
    async create(asker, input) {
      const action = await readOnlyAction(asker.principal, input.action);
      if (!(await authorizer.can(asker.principal, "run", action)).allowed)
        throw new AirlockError("permission.denied");
      const parsed = action.params.safeParse(input.params);
      if (!parsed.success)
        throw new AirlockError("validation.failed", undefined, { issues: issuesOf(parsed.error) });
      // A name is free text a person typed: no card number or email of a customer stays in it.
      const name = scrubText(input.name.trim());
      const id = newId("sq");
      // The parameters as given (the run re-validates them each time), classified fields masked.
      const { stored, sealed } = sealClassified(
        action.piiParams,
        deps.keyring,
        paramsContext(id),
        input.params,
      );
      if (stored !== input.params && !sealed) throw new AirlockError("pii.no_master_key");
      const row = await inTransaction(pool, async (client) => {
        const inserted = await client.query<SavedQueryRow>(
          `INSERT INTO airlock.saved_queries (id, owner_id, name, action, params, params_sealed)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner_id, name) DO NOTHING RETURNING *`,
          [id, asker.principal.id, name, action.name, JSON.stringify(stored), sealed],
        );
        const row = inserted.rows[0];
        if (!row) throw new AirlockError("query.name_taken", undefined, { name });
        await appendAudit(client, [
          {
            type: "saved_query.created",
            outcome: "success",
            actorId: asker.principal.id,
            actorKind: asker.principal.kind,
            action: action.name,
            actionVersion: action.version,
            targetType: "saved_query",
            targetId: id,
            requestId: asker.requestId,
            data: { name },
            clientIp: asker.client.clientIp,
            userAgent: asker.client.userAgent,
          },
        ]);
        return row;
      });
      return view(row);
    },

    async list(principal) {
      const { rows } = await pool.query<SavedQueryRow>(
        "SELECT * FROM airlock.saved_queries WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
        [principal.id],
      );
      return rows.map(view);
    },

    async remove(asker, id) {
      const row = await own(asker.principal, id);
      await inTransaction(pool, async (client) => {
        await client.query("DELETE FROM airlock.saved_queries WHERE id = $1", [row.id]);
        await appendAudit(client, [
          {
            type: "saved_query.deleted",
            outcome: "success",
            actorId: asker.principal.id,
            actorKind: asker.principal.kind,
            action: row.action,
            targetType: "saved_query",
            targetId: row.id,
            requestId: asker.requestId,
            data: { name: row.name },
            clientIp: asker.client.clientIp,
            userAgent: asker.client.userAgent,
          },
        ]);
      });
    },

    async rows(asker, id) {
      const row = await own(asker.principal, id);
      // Checked again at every use: the workspace may have changed since it was saved.
      if (!isReadOnlySql(workspace.actions.get(row.action)))
        throw new AirlockError("query.not_read_only", undefined, { action: row.action });
      let params: unknown = row.params;
      if (row.params_sealed) {
        if (!deps.keyring) throw new AirlockError("pii.no_master_key");
        try {
          params = openClassified(deps.keyring, row.params_sealed, paramsContext(row.id));
        } catch (error) {
          if (error instanceof EnvelopeError)
            throw new AirlockError("pii.unreadable", undefined, { savedQueryId: row.id });
          throw error;
        }
      }
      const submitted = await deps.control.submit({
        channel: "bulk",
        principal: asker.principal,
        actionName: row.action,
        params,
        idempotencyKey: null,
        reason: `Saved query ${row.id} for a bulk selection`,
        trace: null,
        client: asker.client,
        parentRequestId: asker.requestId,
      });
      if (submitted.kind === "refused") throw submitted.error;
      const run = submitted.run;
      if (run.status !== "succeeded")
        throw new AirlockError("query.did_not_run", undefined, { runId: run.id, status: run.status });
      // The rows as the run's result holds them: classified columns masked, as the caller sees them.
      const result = run.result as { rows?: Record<string, unknown>[]; moreRows?: boolean } | null;
      if (result?.moreRows) throw new AirlockError("query.too_many_rows", undefined, { runId: run.id });
      return { query: view(row), runId: run.id, rows: result?.rows ?? [] };
    },
  };
}
