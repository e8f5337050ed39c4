// Reading committed events from a position, without a stored cursor: for readers that keep their
// position themselves (the live-updates stream keeps it in the browser as Last-Event-ID). Same
// order and completeness rule as the outbox's consumers (event-outbox.ts): (xid, id) order, and
// only below the horizon, so no event can later commit behind a position already handed out.
import type pg from "pg";
import { horizonSql } from "./event-outbox.ts";
import type { EventPayloads, EventType, OutboxEvent } from "./event-types.ts";

export interface FeedPosition {
  xid: string;
  id: string;
}

export const FEED_START: FeedPosition = { xid: "0", id: "0" };

/** `xid.id`, as it travels (an SSE event id). */
export function formatPosition(position: FeedPosition): string {
  return `${position.xid}.${position.id}`;
}

export function parsePosition(text: string | null | undefined): FeedPosition | null {
  const match = /^(\d{1,20})\.(\d{1,20})$/.exec(text ?? "");
  return match ? { xid: match[1]!, id: match[2]! } : null;
}

/** The position of the newest event committed so far (where a new reader starts). */
export async function feedHead(db: Pick<pg.Pool, "query">): Promise<FeedPosition> {
  const { horizon } = (await db.query<{ horizon: string }>(horizonSql)).rows[0]!;
  const last = await db.query<{ xid: string; id: string }>(
    "SELECT xid::text, id::text FROM airlock.event_outbox WHERE xid < $1::xid8 ORDER BY xid DESC, id DESC LIMIT 1",
    [horizon],
  );
  return last.rows[0] ?? FEED_START;
}

/** Up to `limit` events after `after`, oldest first, each with its position. */
export async function readEvents(
  db: Pick<pg.Pool, "query">,
  after: FeedPosition,
  limit: number,
): Promise<{ event: OutboxEvent; position: FeedPosition }[]> {
  const { horizon } = (await db.query<{ horizon: string }>(horizonSql)).rows[0]!;
  // Uses event_outbox_order_idx (xid, id).
  const rows = await db.query<{
    id: string;
    xid: string;
    type: EventType;
    payload: EventPayloads[EventType];
    created_at: Date;
  }>(
    `SELECT id::text, xid::text, type, payload, created_at FROM airlock.event_outbox
      WHERE (xid, id) > ($1::xid8, $2::bigint) AND xid < $3::xid8
      ORDER BY xid, id LIMIT $4`,
    [after.xid, after.id, horizon, limit],
  );
  return rows.rows.map((row) => ({
    event: { id: row.id, type: row.type, payload: row.payload, createdAt: row.created_at, attempts: 1 },
    position: { xid: row.xid, id: row.id },
  }));
}
