import { api, apiOptions, parseApiCommandArgs, responsePrinter } from "./api-client.ts";
import { type Command, subcommandError, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

const HELP = [
  "Usage: airlock tokens <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Your API tokens (for the CLI and scripts), through a running server.",
  "",
  "  list [--all]        your tokens (--all: everyone's, admins)",
  "  revoke <token id>   stops it on the next request",
  "",
  "New tokens are created in the web UI (your name's menu → API tokens): a token cannot mint",
  "tokens, or a leaked or expiring token could outlive itself.",
  "",
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an API token to act with (default: $AIRLOCK_TOKEN)",
  "  --json     print the API's JSON answer",
].join("\n");

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  status: string;
  token?: string;
}

export const tokensCommand: Command = {
  name: "tokens",
  summary: "Your API tokens: airlock tokens list|revoke",
  help: HELP,
  async run(args, io) {
    if (args[0] === "create")
      throw new UsageError(
        "tokens are created in the web UI (your name's menu → API tokens), not with a token; see airlock tokens --help",
      );
    const { values, positionals } = parse(args);
    const [sub, ...rest] = positionals;
    const options = apiOptions(values, io.env);
    const show = responsePrinter(io, values.json);
    switch (sub) {
      case "list": {
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const response = await api(options, "GET", values.all ? "/api/v1/admin/tokens" : "/api/v1/tokens");
        return show(response, () => {
          const tokens = (response.body as { tokens: TokenRow[] }).tokens;
          io.out(
            table(
              ["ID", "NAME", "PREFIX", "STATUS", "LAST USED", "EXPIRES", ...(values.all ? ["USER"] : [])],
              tokens.map((t) => [
                t.id,
                t.name,
                `${t.prefix}…`,
                t.status,
                t.lastUsedAt ?? "never",
                t.expiresAt ?? "never",
                ...(values.all ? [t.userId] : []),
              ]),
            ),
          );
        });
      }
      case "revoke": {
        if (rest.length !== 1) throw new UsageError("usage: airlock tokens revoke <token id>");
        const response = await api(options, "DELETE", `/api/v1/tokens/${encodeURIComponent(rest[0]!)}`);
        return show(response, () => io.out(`Revoked ${rest[0]}.`));
      }
      default:
        throw subcommandError("tokens", sub);
    }
  },
};

function parse(args: string[]) {
  return parseApiCommandArgs(args, {
    all: { type: "boolean" },
  });
}
