import {
  API_OPTIONS_HELP,
  type ApiClientOptions,
  api,
  apiOptions,
  describeError,
  parseApiCommandArgs,
  responsePrinter,
} from "./api-client.ts";
import { printHeldChange } from "./changes-command.ts";
import { type Command, subcommandError, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

const HELP = [
  "Usage: airlock users <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Manage users and group memberships through a running server (needs an admin's API token).",
  "",
  "  list [--status active|disabled] [--kind human|service]   list users",
  "  add --email E --name N [--group G]… [--sso]              create a user: they get an invitation",
  "                                                           link to set their own password (--sso:",
  "                                                           single sign-on only, no password)",
  "  disable <email|id>                                       end their sessions, revoke tokens",
  "  enable <email|id>                                        allow sign-in again (lifts a lockout)",
  "  groups                                                   list groups and the roles they give",
  "  add-to-group <email|id> <group>",
  "  remove-from-group <email|id> <group>",
  "",
  ...API_OPTIONS_HELP,
].join("\n");

interface UserRow {
  id: string;
  kind: string;
  email: string | null;
  name: string;
  status: string;
  source: string;
  groups: string[];
  hasPassword: boolean;
  invitation: { status: string } | null;
  lockedUntil: string | null;
}

interface GroupRow {
  id: string;
  name: string;
  memberCount: number;
  roles: string[];
  ssoAliases: string[];
}

export const usersCommand: Command = {
  name: "users",
  summary: "Manage users and group memberships: airlock users list|add|disable|enable|groups|…",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args);
    const [sub, ...rest] = positionals;
    const options = apiOptions(values, io.env);
    const show = responsePrinter(io, values.json);
    switch (sub) {
      case "list": {
        const query = new URLSearchParams();
        if (values.status) query.set("status", values.status);
        if (values.kind) query.set("kind", values.kind);
        const response = await api(options, "GET", `/api/v1/admin/users?${query}`);
        return show(response, () => {
          const users = (response.body as { users: UserRow[] }).users;
          io.out(
            table(
              ["EMAIL / NAME", "STATUS", "GROUPS", "SIGN-IN", "ID"],
              users.map((u) => [
                u.email ?? `${u.name} (service)`,
                u.lockedUntil ? `${u.status}, locked` : u.status,
                u.groups.join(",") || "-",
                u.kind === "service"
                  ? "token"
                  : u.hasPassword
                    ? "password"
                    : u.invitation?.status === "pending"
                      ? "invited"
                      : "sso",
                u.id,
              ]),
            ),
          );
        });
      }
      case "add": {
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        if (!values.email || !values.name) throw new UsageError("add needs --email and --name");
        const signIn = values.sso ? "sso" : "invitation";
        const response = await api(options, "POST", "/api/v1/admin/users", {
          body: { email: values.email, name: values.name, groups: values.group ?? [], signIn },
        });
        return show(response, () => {
          if (printHeldChange(io, response)) return;
          const user = response.body as UserRow;
          io.out(
            `Created ${user.email} (${user.id})${signIn === "sso" ? ", SSO sign-in only" : "; an invitation link to set their password was emailed to them"}.`,
          );
        });
      }
      case "disable":
      case "enable": {
        const user = await resolveUser(options, one(rest, `${sub} <email|id>`));
        const response = await api(options, "POST", `/api/v1/admin/users/${encodeURIComponent(user)}/${sub}`);
        return show(response, () => {
          const row = response.body as UserRow;
          io.out(`${row.email ?? row.name} is ${row.status}.`);
        });
      }
      case "groups": {
        const response = await api(options, "GET", "/api/v1/admin/groups");
        return show(response, () => {
          const groups = (response.body as { groups: GroupRow[] }).groups;
          io.out(
            table(
              ["GROUP", "MEMBERS", "ROLES", "SSO ALIASES"],
              groups.map((g) => [
                g.name,
                String(g.memberCount),
                g.roles.join(",") || "-",
                g.ssoAliases.join(",") || "-",
              ]),
            ),
          );
        });
      }
      case "add-to-group":
      case "remove-from-group": {
        if (rest.length !== 2) throw new UsageError(`${sub} takes <email|id> <group>`);
        const userId = await resolveUser(options, rest[0]!);
        const groupId = await resolveGroup(options, rest[1]!);
        const response =
          sub === "add-to-group"
            ? await api(options, "POST", `/api/v1/admin/groups/${encodeURIComponent(groupId)}/members`, {
                body: { userId },
              })
            : await api(
                options,
                "DELETE",
                `/api/v1/admin/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(userId)}`,
              );
        return show(response, () => {
          if (printHeldChange(io, response)) return;
          io.out(
            sub === "add-to-group"
              ? `Added ${rest[0]} to ${rest[1]}.`
              : `Removed ${rest[0]} from ${rest[1]}.`,
          );
        });
      }
      default:
        throw subcommandError("users", sub);
    }
  },
};

function parse(args: string[]) {
  return parseApiCommandArgs(args, {
    email: { type: "string" },
    name: { type: "string" },
    group: { type: "string", multiple: true },
    sso: { type: "boolean" },
    status: { type: "string" },
    kind: { type: "string" },
  });
}

function one(rest: string[], usage: string): string {
  if (rest.length !== 1) throw new UsageError(`usage: airlock users ${usage}`);
  return rest[0]!;
}

/** A user id as given (usr_…, svc_…), or looked up by email. */
async function resolveUser(options: ApiClientOptions, ref: string): Promise<string> {
  if (/^(usr|svc)_/.test(ref)) return ref;
  const response = await api(options, "GET", `/api/v1/admin/users?email=${encodeURIComponent(ref)}`);
  if (response.status >= 400) throw new UsageError(describeError(response));
  const user = (response.body as { users: UserRow[] }).users[0];
  if (!user) throw new UsageError(`no user with the email ${ref}`);
  return user.id;
}

async function resolveGroup(options: ApiClientOptions, name: string): Promise<string> {
  const response = await api(options, "GET", "/api/v1/admin/groups");
  if (response.status >= 400) throw new UsageError(describeError(response));
  const group = (response.body as { groups: GroupRow[] }).groups.find(
    (g) => g.name === name || g.id === name,
  );
  if (!group) throw new UsageError(`no group named ${name} (airlock users groups lists them)`);
  return group.id;
}
