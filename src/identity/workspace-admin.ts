// The gate of every admin route: `admin` on `*`. A refusal is audited (ASVS 16.3.2: log
// authorization failures), because probing admin endpoints is what an attacker with a stolen
// low-privilege session does first.

import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import type { ChangeContext } from "./admin-change.ts";
import type { Authorizer } from "./authorizer.ts";

export async function requireWorkspaceAdmin(
  authorizer: Authorizer,
  db: Queryable,
  ctx: ChangeContext & { route: string },
): Promise<void> {
  if (await authorizer.isWorkspaceAdmin(ctx.actor)) return;
  await appendAudit(db, [
    {
      type: "permission.denied",
      outcome: "denied",
      actorId: ctx.actor.id,
      actorKind: ctx.actor.kind,
      requestId: ctx.requestId,
      errorCode: "permission.denied",
      data: { verb: "admin", on: "*", route: ctx.route },
      clientIp: ctx.client.clientIp,
      userAgent: ctx.client.userAgent,
    },
  ]);
  throw new AirlockError("permission.denied");
}
