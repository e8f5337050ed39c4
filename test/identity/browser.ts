// A minimal browser for tests: keeps the cookies the app sets (honouring Max-Age=0 deletions) and
// sends them back, and remembers the CSRF token of the last sign-in. Requests go in-process
// through `app.request()`, or to a real URL (for the OIDC provider) with `fetch`.
import type pg from "pg";
import { hashPassword } from "../../src/identity/passwords.ts";
import { newId } from "../../src/ids/ids.ts";
import type { TestAirlock } from "../support/test-airlock.ts";

export class Browser {
  readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;
  /** Raw Set-Cookie lines of the last response. */
  lastSetCookies: string[] = [];
  private readonly t: TestAirlock;

  constructor(t: TestAirlock) {
    this.t = t;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  remember(response: Response): void {
    this.lastSetCookies = response.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const [pair, ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const gone = attributes.some((a) => /^max-age=0$/i.test(a)) || value === "";
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit & { csrf?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", this.cookieHeader());
    if (init.csrf !== false && this.csrfToken && !headers.has("x-csrf-token"))
      headers.set("x-csrf-token", this.csrfToken);
    if (init.body !== undefined && !headers.has("content-type"))
      headers.set("content-type", "application/json");
    const { csrf: _csrf, ...rest } = init;
    const response = await this.t.request(path, { ...rest, headers });
    this.remember(response);
    return response;
  }

  async login(email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await this.request("/api/v1/session", {
      method: "POST",
      body: JSON.stringify({ email, password }),
      headers,
      csrf: false,
    });
    if (response.status === 200) {
      const body = (await response.clone().json()) as { csrfToken: string };
      this.csrfToken = body.csrfToken;
    }
    return response;
  }
}

export const PASSWORD = "correct horse battery staple";

/** A human user with a password (and groups), straight in the database. */
export async function createPasswordUser(
  pool: Pick<pg.Pool, "query">,
  options: { email?: string; password?: string; groups?: string[]; name?: string } = {},
): Promise<{ id: string; email: string; password: string }> {
  const id = newId("usr");
  const email = options.email ?? `${id.toLowerCase()}@test.airlock`;
  const password = options.password ?? PASSWORD;
  await pool.query(
    "INSERT INTO airlock.users (id, kind, email, name, password_hash, source) VALUES ($1, 'human', $2, $3, $4, 'admin')",
    [id, email, options.name ?? email, await hashPassword(password)],
  );
  for (const group of options.groups ?? []) {
    await pool.query(
      "INSERT INTO airlock.groups (id, name, source) VALUES ($1, $2, 'admin') ON CONFLICT (name) DO NOTHING",
      [newId("grp"), group],
    );
    await pool.query(
      "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $2 FROM airlock.groups WHERE name = $1",
      [group, id],
    );
  }
  return { id, email, password };
}

/** Audit events of some types, oldest first. */
export async function auditEvents(
  pool: Pick<pg.Pool, "query">,
  types: string[],
  where: { actorId?: string; targetId?: string; requestId?: string } = {},
): Promise<Record<string, unknown>[]> {
  const values: unknown[] = [types];
  const clauses = ["type = ANY($1::text[])"];
  if (where.actorId) {
    values.push(where.actorId);
    clauses.push(`actor_id = $${values.length}`);
  }
  if (where.targetId) {
    values.push(where.targetId);
    clauses.push(`target_id = $${values.length}`);
  }
  if (where.requestId) {
    values.push(where.requestId);
    clauses.push(`request_id = $${values.length}`);
  }
  const result = await pool.query(
    `SELECT * FROM airlock.audit_events WHERE ${clauses.join(" AND ")} ORDER BY id`,
    values,
  );
  return result.rows;
}
