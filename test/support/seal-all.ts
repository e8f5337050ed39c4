// Seals every audit event appended so far. A pass seals only what is final: events below the
// oldest transaction still open in this database, and, for a moment, one open in another database
// of the server whose backend the pass could not see yet. So a pass that seals nothing does not
// mean nothing is left: passes are made until no event is after the last seal.
import { auditSealStatus, type Sealer } from "../../src/audit/sealer.ts";
import type { Queryable } from "../../src/store/queryable.ts";

/** Seals until nothing is left (or fails after `timeoutMs`); answers how many events it sealed. */
export async function sealAll(sealer: Sealer, db: Queryable, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let sealed = 0;
  for (;;) {
    const pass = await sealer.sealOnce();
    sealed += pass.sealed;
    if (pass.sealed > 0) continue;
    const { unsealed } = await auditSealStatus(db);
    if (unsealed === 0) return sealed;
    if (Date.now() > deadline)
      throw new Error(`${unsealed} audit events still unsealed after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
