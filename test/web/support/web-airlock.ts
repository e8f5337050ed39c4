// A real, listening Airlock with the web fixture and the built UI, plus people who sign in with a
// password. The UI is built first when its sources changed (the same function as `npm run build:web`).
import { hashPassword } from "../../../src/identity/passwords.ts";
import { type Listening, listen } from "../../../src/server/serve.ts";
import { buildWeb } from "../../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../../support/users.ts";
import { createWebFixtureSchema, webWorkspace } from "./web-workspace.ts";

export interface Person extends TestUser {
  name: string;
  password: string;
}

export interface WebAirlock {
  t: TestAirlock;
  server: Listening;
  url: string;
  people: { operator: Person; manager: Person; auditor: Person; admin: Person };
  /** Another person, in the given groups. */
  person(name: string, groups: string[]): Promise<Person>;
  close(): Promise<void>;
}

export async function startWebAirlock(env: Record<string, string> = {}): Promise<WebAirlock> {
  await buildWeb({ ifStale: true, quiet: true });
  const t = await startTestAirlock({ workspace: webWorkspace, prepare: createWebFixtureSchema, env });
  const server = await listen(t.airlock.app, "127.0.0.1", 0);
  const pool = t.airlock.database.pool;
  const hash = await hashPassword(PASSWORD);
  const person = async (name: string, groups: string[]): Promise<Person> => {
    const email = `${name.toLowerCase().replaceAll(" ", ".")}@fintech.test`;
    const user = await createUser(pool, { email, name, groups, passwordHash: hash });
    return { ...user, name, password: PASSWORD };
  };
  const people = {
    operator: await person("Olivia Ortiz", ["support"]),
    manager: await person("Marcus Chen", ["support-managers"]),
    auditor: await person("Ana Petrova", ["auditors"]),
    admin: await person("Sam Admin", ["admins"]),
  };
  return {
    t,
    server,
    url: server.url,
    people,
    person,
    async close() {
      await server.close(100);
      await t.close();
    },
  };
}
