// Turns "cannot connect" into one line that says what to fix.
import { StartupError } from "../errors/startup-error.ts";
import { ownerClient } from "./database.ts";

export const MIN_SERVER_VERSION = 150_000;

export async function checkDatabase(url: string): Promise<{ serverVersion: string }> {
  const where = describeUrl(url);
  let client: Awaited<ReturnType<typeof ownerClient>>;
  try {
    client = await ownerClient(url);
  } catch (error) {
    throw new StartupError("database.unreachable", explain(error, where));
  }
  try {
    const result = await client.query<{ num: string; version: string }>(
      "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
    );
    const row = result.rows[0]!;
    if (Number(row.num) < MIN_SERVER_VERSION) {
      throw new StartupError(
        "database.too_old",
        `PostgreSQL at ${where} is version ${row.version}; Airlock needs 15 or newer.`,
      );
    }
    return { serverVersion: row.version };
  } finally {
    await client.end().catch(() => {});
  }
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

function explain(error: unknown, where: string): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case "ECONNREFUSED":
      return `Cannot reach PostgreSQL at ${where}: connection refused. Is the server running? Check DATABASE_URL.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot reach PostgreSQL at ${where}: the host name does not resolve. Check DATABASE_URL.`;
    case "ETIMEDOUT":
      return `Cannot reach PostgreSQL at ${where}: the connection timed out. Check DATABASE_URL and the network.`;
    case "28P01":
    case "28000":
      return `PostgreSQL at ${where} refused the credentials in DATABASE_URL (${e.message}).`;
    case "3D000":
      return `PostgreSQL at ${where}: the database does not exist. Create it (createdb) or fix DATABASE_URL.`;
    default:
      return `Cannot connect to PostgreSQL at ${where}: ${e.message ?? String(error)}. Check DATABASE_URL.`;
  }
}
