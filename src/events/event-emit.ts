// Writing an event: one INSERT into the outbox, in the transaction that makes the change the event
// announces, so an event exists if and only if its change committed. Named, so a connection plans
// it once (it is on every run's final write).
import type pg from "pg";
import { EVENT_TYPES, type EventPayloads, type EventType } from "./event-types.ts";

interface Queryable {
  query: pg.ClientBase["query"];
}

export interface PendingEvent<T extends EventType = EventType> {
  type: T;
  payload: EventPayloads[T];
}

/** The statement that writes `events` (one multi-row INSERT); null when there are none. */
export function eventInsert(events: readonly PendingEvent[]): pg.QueryConfig | null {
  if (events.length === 0) return null;
  const rows = events.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2}::jsonb)`);
  return {
    name: `airlock.emit_events_${events.length}`,
    text: `INSERT INTO airlock.event_outbox (type, payload) VALUES ${rows.join(", ")}`,
    values: events.flatMap((e) => [e.type, JSON.stringify(e.payload)]),
  };
}

/** Write `events` with `db` (the caller's transaction). Issues its query synchronously. */
export async function emitEvents(db: Queryable, events: readonly PendingEvent[]): Promise<void> {
  const statement = eventInsert(events);
  if (statement) await db.query(statement);
}

/**
 * `statement` (an INSERT or UPDATE … RETURNING a jsonb column `event`) with each row it returns
 * announced as an event of `type`, in that one statement: atomic on an autocommit connection, no
 * extra round trip. The wrapped statement returns the same rows (and rowCount) as `statement`.
 */
export function announcingRows(type: EventType, statement: string): string {
  if (!EVENT_TYPES.includes(type)) throw new Error(`unknown event type ${type}`);
  return `WITH changed AS (${statement}),
    announced AS (INSERT INTO airlock.event_outbox (type, payload) SELECT '${type}', event FROM changed)
    SELECT * FROM changed`;
}
