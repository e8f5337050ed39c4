// `airlock admin bootstrap`: the first admin of a fresh installation, straight through the
// database (DATABASE_URL, or the embedded one), refused once any admin exists.
import { loadConfig } from "../config/config.ts";
import { loadWorkspace } from "../config/load-workspace.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { bootstrapAdmin } from "../governance/bootstrap-admin.ts";
import { createAuthorizer } from "../identity/authorizer.ts";
import { hashPassword } from "../identity/passwords.ts";
import { syncDirectory } from "../identity/sync-directory.ts";
import { createLogger } from "../observe/logger.ts";
import { migrationSourcesFor } from "../runtime/airlock.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { openDatabase } from "../store/database.ts";
import { type Command, parseCommandArgs, UsageError } from "./command.ts";

const HELP = [
  "Usage: airlock admin bootstrap --email E [--name N] [--password-stdin]",
  "",
  "Creates the workspace's first admin (a member of the group that holds `admin` on `*`) through",
  "DATABASE_URL (or the embedded database). Refused once any admin exists: further admins are added",
  "by an admin, and need a second admin's approval once two exist (docs/governance.md). Without",
  "--password-stdin the admin signs in with SSO.",
].join("\n");

export const adminCommand: Command = {
  name: "admin",
  summary: "Create the first admin of a fresh installation: airlock admin bootstrap --email E",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        email: { type: "string" },
        name: { type: "string" },
        "password-stdin": { type: "boolean" },
      },
      allowPositionals: true,
    });
    if (positionals[0] !== "bootstrap" || positionals.length > 1)
      throw new UsageError("the only subcommand is: bootstrap --email E");
    const email = values.email?.trim();
    if (!email || !/^[^\s@]+@[^\s@]+$/.test(email))
      throw new UsageError("bootstrap needs --email with an email address");
    const password = values["password-stdin"] ? await readPassword() : null;
    if (password !== null && password.length < 12)
      throw new UsageError("use a password of at least 12 characters");
    const config = loadConfig(io.env);
    const log = createLogger({ level: "warn" });
    const workspace = await loadWorkspace(config.workspacePath);
    const provided = await provideDatabase(config, log, { shareRunning: true });
    try {
      await prepareDatabase(provided.url, migrationSourcesFor(workspace));
      const database = openDatabase({ url: provided.url, max: 2 });
      try {
        await syncDirectory(database.pool, workspace, { demo: false });
        const authorizer = createAuthorizer(workspace, database.pool);
        const made = await bootstrapAdmin(
          database.pool,
          { workspace, authorizer },
          {
            email,
            name: values.name?.trim() || email,
            passwordHash: password === null ? null : await hashPassword(password),
          },
        );
        io.out(`Created the first admin ${email} (group "${made.group}", id ${made.userId}).`);
        return 0;
      } catch (error) {
        if (!(error instanceof AirlockError)) throw error;
        io.err(`airlock admin bootstrap: ${error.message} (${error.code})`);
        return 1;
      } finally {
        await database.close();
      }
    } finally {
      await provided.stop();
    }
  },
};

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (!password) throw new UsageError("--password-stdin read nothing; pipe the password in");
  return password;
}
