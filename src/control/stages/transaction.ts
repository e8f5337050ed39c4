import {
  isCredentialVersionMoved,
  principalFromTokenId,
  readCredentialVersion,
  requireCredentialVersion,
} from "../../identity/api-tokens.ts";
import { credentialFence, StaleCredentials, samePrincipal } from "../../identity/token-cache.ts";
import { inSpan } from "../../observe/tracing.ts";
import type { RunRow } from "../../runs/run-store.ts";
import { sendTogether } from "../../store/send-together.ts";
import type { Gated, InTransaction, Next, Outcome, RunTransaction } from "../pipeline-context.ts";

// How long a submit waits on another transaction holding the same idempotency key before
// answering in_progress (an inline run holds it for its whole handler).
const BEGIN = "BEGIN; SET LOCAL lock_timeout = '2s'";

/**
 * The run's transaction, in one scope: the stages after this one (`execute`, `record`) run
 * inside it, and it is committed or rolled back here and nowhere else. It commits only when they
 * end with a record to write; a refusal, a key taken by another run, or a throw rolls back
 * everything the run did, the handler's effects included.
 *
 * Two writes carry its boundaries, to keep an inline run at three round trips
 * (docs/benchmarks.md): BEGIN goes out with the first statements `execute` sends, and the
 * record's statements go out with COMMIT.
 */
export async function transaction(ctx: Gated, next: Next<InTransaction>): Promise<Outcome> {
  const client = await ctx.deps.pool.connect();
  let begun = false;
  let committed = false;
  // What `beginAhead` sent: the outcome its failure stands for, once its answer is in.
  let ahead: Promise<Outcome | null> | null = null;
  const instead = async (): Promise<Outcome | null> => (ahead ? await ahead : null);
  const tx: RunTransaction = {
    begin(first) {
      if (begun) throw new Error("the run's transaction has begun already");
      begun = true;
      // A principal from the token cache was not checked against the credentials' version yet:
      // that read rides in this same write (token-cache.ts), and a change since it was cached
      // is looked at here, before anything the run does can commit.
      const fence = credentialFence(ctx.principal);
      const [began, version, statements] = sendTogether(
        client,
        () => [client.query(BEGIN), fence ? readCredentialVersion(client) : null, first(client)] as const,
      );
      return Promise.all([began, version, Promise.all(statements)]).then(async ([, current, results]) => {
        if (fence && current !== fence.version) {
          const fresh = await principalFromTokenId(client, ctx.principal.tokenId ?? "");
          if (!fresh || !samePrincipal(fresh, ctx.principal)) {
            fence.forget();
            throw new StaleCredentials(fresh);
          }
          if (current) fence.confirmed(current);
        }
        return results;
      });
    },
    beginAhead(first, failed) {
      if (begun) throw new Error("the run's transaction has begun already");
      begun = true;
      // Nothing waits for the credentials' version here: a version other than the cached
      // principal's fails the transaction in the database, before anything sent behind it can
      // commit, and the run is decided again on the principal as it is now (control.ts).
      const fence = credentialFence(ctx.principal);
      const [began, fenced, statements] = sendTogether(
        client,
        () =>
          [
            client.query(BEGIN),
            fence ? requireCredentialVersion(client, fence.version) : null,
            first(client),
          ] as const,
      );
      ahead = Promise.all([began, fenced, statements]).then(
        () => null,
        async (error: unknown) => {
          if (!fence || !isCredentialVersionMoved(error)) return failed(error);
          fence.forget();
          throw new StaleCredentials(await principalFromTokenId(ctx.deps.pool, ctx.principal.tokenId ?? ""));
        },
      );
      // Read by `instead` once the write behind it is answered.
      ahead.catch(() => {});
    },
    get client() {
      if (!begun) throw new Error("the run's transaction has not begun");
      return client;
    },
  };
  try {
    // A statement sent ahead that failed aborted the transaction: what came after it failed too
    // (or would not commit), and the outcome is the one that failure stands for.
    const outcome = await next({ ...ctx, tx }).catch(async (error: unknown) => {
      const failed = await instead();
      if (failed) return failed;
      throw error;
    });
    if (outcome.kind !== "recorded") return (await instead()) ?? outcome;
    if (!begun) throw new Error("a run was recorded outside its transaction");
    await ctx.deps.racePoint?.("record.before_commit");
    // One round trip: the record's statements and COMMIT, pipelined. A failure in either write
    // aborts the transaction, and the COMMIT then rolls back.
    let run: RunRow;
    try {
      [run] = await inSpan("commit", {}, () =>
        Promise.all(sendTogether(client, () => [outcome.write(client), client.query("COMMIT")] as const)),
      );
    } catch (error) {
      const failed = await instead();
      if (failed) return failed;
      throw error;
    }
    committed = true;
    return { kind: "run", run, replayed: false, requestId: ctx.requestId };
  } finally {
    let broken = false;
    if (begun && !committed)
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
    client.release(broken);
  }
}
