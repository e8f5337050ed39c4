// The demo workspace (examples/demo, what `npm start` serves) in a real, listening Airlock with the
// built UI, seeded once, and the demo's own people (by name and email) signing in with a password.
import { DEMO_USERS } from "../../../examples/demo/demo-users.ts";
import { hashPassword } from "../../../src/identity/passwords.ts";
import { type Listening, listen } from "../../../src/server/serve.ts";
import { buildWeb } from "../../../src/web/build.ts";
import { type DemoAirlock, startDemoAirlock } from "../../demo/demo-airlock-money.ts";
import { createUser, PASSWORD } from "../../support/users.ts";

export interface DemoPerson {
  email: string;
  name: string;
  password: string;
  /** Headers for the API as this person (a bearer token). */
  headers: Record<string, string>;
}

export interface DemoWebAirlock {
  demo: DemoAirlock;
  url: string;
  /** Demo people by first name, lower case: `sam`, `maya`, `rita`, `cora`, … */
  people: Record<string, DemoPerson>;
  close(): Promise<void>;
}

export async function startDemoWebAirlock(): Promise<DemoWebAirlock> {
  await buildWeb({ ifStale: true, quiet: true });
  const demo = await startDemoAirlock();
  const hash = await hashPassword(PASSWORD);
  const people: Record<string, DemoPerson> = {};
  for (const user of DEMO_USERS) {
    const created = await createUser(demo.t.airlock.database.pool, {
      email: user.email,
      name: user.name,
      groups: user.groups,
      passwordHash: hash,
    });
    people[user.name.split(" ")[0]!.toLowerCase()] = {
      email: user.email,
      name: user.name,
      password: PASSWORD,
      headers: created.headers,
    };
  }
  let server: Listening;
  try {
    server = await listen(demo.t.airlock.app, "127.0.0.1", 0);
  } catch (error) {
    await demo.close();
    throw error;
  }
  return {
    demo,
    url: server.url,
    people,
    async close() {
      await server.close(100);
      await demo.close();
    },
  };
}
