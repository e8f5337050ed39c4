// Account setup: switch one feature flag of an account on or off. Flags must be in the catalog
// (demo.feature_flags): the form offers them through the `list_feature_flags` lookup, and the
// database refuses any other (accounts_known_flags), which we answer as `unknown_feature_flag`.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { accountIdField, lockAccount, refuseClosed, translating } from "./customer-common.ts";

export const toggleFeatureFlag = defineAction({
  name: "toggle_feature_flag",
  title: "Toggle a feature flag",
  description:
    "Turns one feature of an account on or off (virtual cards, instant transfers, crypto trading, …).",
  tags: ["accounts"],
  risk: "medium",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    accountId: accountIdField(),
    flag: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, "A flag key is lowercase letters, digits and _.")
      .max(64)
      .meta({
        label: "Feature",
        widget: "lookup",
        lookup: "list_feature_flags",
        help: "A flag from the catalog.",
      }),
    enabled: z
      .boolean()
      .meta({ label: "On", widget: "boolean", help: "On to enable the feature, off to disable it." }),
  }),
  output: z.object({
    accountId: z.string(),
    flag: z.string(),
    enabled: z.boolean(),
    changed: z.boolean(),
    featureFlags: z.record(z.string(), z.boolean()),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  async handler(p, ctx) {
    const account = await lockAccount(ctx.db, p.accountId);
    refuseClosed(account);
    const flags = account.feature_flags ?? {};
    ctx.snapshot.before({ featureFlags: flags });
    const updated = await translating(
      () =>
        ctx.db.query<{ feature_flags: Record<string, boolean> }>(
          `UPDATE demo.accounts SET feature_flags = feature_flags || jsonb_build_object($2::text, $3::boolean)
            WHERE id = $1 RETURNING feature_flags`,
          [p.accountId, p.flag, p.enabled],
        ),
      {
        accounts_known_flags: () =>
          new ActionError(
            "unknown_feature_flag",
            `There is no feature flag “${p.flag}”; choose one from the catalog (List feature flags).`,
          ),
      },
    );
    const featureFlags = updated.rows[0]!.feature_flags;
    ctx.snapshot.after({ featureFlags });
    return {
      accountId: p.accountId,
      flag: p.flag,
      enabled: p.enabled,
      changed: flags[p.flag] !== p.enabled,
      featureFlags,
    };
  },
});
