// The feature-flag catalog as lookup options, for the “Toggle a feature flag” form (widget
// `lookup`). The catalog lives in the database (demo.feature_flags), so new flags appear in the
// form without a deploy.
import { defineAction, z } from "../../../src/sdk/index.ts";

export const listFeatureFlags = defineAction({
  name: "list_feature_flags",
  title: "List feature flags",
  description: "The feature flags an account can have, with what each does and whether it is on by default.",
  tags: ["accounts"],
  risk: "low",
  execution: "inline",
  timeout: "5s",
  params: z.object({}),
  output: z.object({
    options: z.array(z.object({ value: z.string(), label: z.string(), defaultEnabled: z.boolean() })),
  }),
  async handler(_p, ctx) {
    const flags = await ctx.db.query<{ key: string; description: string; default_enabled: boolean }>(
      "SELECT key, description, default_enabled FROM demo.feature_flags ORDER BY key",
    );
    return {
      options: flags.rows.map((f) => ({
        value: f.key,
        label: `${f.key} — ${f.description}`,
        defaultEnabled: f.default_enabled,
      })),
    };
  },
});
