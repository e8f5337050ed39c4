// The demo Airlock of the customer actions' tests (customer-actions-risk-access.test.ts,
// customer-actions-privacy-accounts.test.ts): `withCustomerDemo()`, called in a file's suite, starts
// the seeded demo with its people before the suite's tests and closes it after them; `sql`, `one`
// and `eventTypes` read the demo database and a run's audit trail as the owner.
import { after, before } from "node:test";
import {
  auditOf,
  type CustomerCast,
  type CustomerDemo,
  startCustomerDemo,
} from "../demo-airlock-customers.ts";

export let demo: CustomerDemo;
export let cast: CustomerCast;
export const sql = async <R = Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await demo.owner.query(text, values)).rows as R[];
export const one = async <R = Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await sql<R>(text, values))[0]!;
export const eventTypes = async (runId: string) => (await auditOf(demo.t, runId)).map((e) => e.type);

/** Starts the customer demo before the calling suite's tests and closes it after them. */
export function withCustomerDemo(): void {
  before(async () => {
    demo = await startCustomerDemo();
    cast = demo.cast;
  });
  after(async () => {
    await demo?.close();
  });
}
