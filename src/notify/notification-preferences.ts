// Notification preferences (migrations/0053, 0160): per person, event type and channel — in the
// console (`in_app`), by email, as a Slack direct message — whether they get it; admins set
// defaults per group. A person's own choice wins over their groups' defaults (on if any of their
// groups has it on), and without either it is on.
import type { Queryable } from "../store/queryable.ts";
import { NOTIFIED_EVENTS, type NotifiedEvent } from "./notification-content.ts";

export const PREFERENCE_CHANNELS = ["in_app", "email", "slack"] as const;
export type PreferenceChannel = (typeof PREFERENCE_CHANNELS)[number];

export interface EffectivePreference {
  eventType: NotifiedEvent;
  channel: PreferenceChannel;
  enabled: boolean;
  /** Where the answer came from. */
  source: "user" | "group" | "default";
}

/** Every (event type, channel) for one person, with what applies and why. */
export async function preferencesOf(db: Queryable, userId: string): Promise<EffectivePreference[]> {
  const own = await db.query<{ event_type: string; channel: string; enabled: boolean }>(
    "SELECT event_type, channel, enabled FROM airlock.notification_preferences WHERE user_id = $1",
    [userId],
  );
  const groups = await db.query<{ event_type: string; channel: string; enabled: boolean }>(
    `SELECT d.event_type, d.channel, bool_or(d.enabled) AS enabled
       FROM airlock.group_notification_defaults d
       JOIN airlock.groups g ON g.name = d.group_name
       JOIN airlock.group_members m ON m.group_id = g.id AND m.user_id = $1
      GROUP BY d.event_type, d.channel`,
    [userId],
  );
  const key = (e: string, c: string) => `${e}|${c}`;
  const mine = new Map(own.rows.map((r) => [key(r.event_type, r.channel), r.enabled]));
  const theirs = new Map(groups.rows.map((r) => [key(r.event_type, r.channel), r.enabled]));
  return NOTIFIED_EVENTS.flatMap((eventType) =>
    PREFERENCE_CHANNELS.map((channel) => {
      const k = key(eventType, channel);
      if (mine.has(k)) return { eventType, channel, enabled: mine.get(k)!, source: "user" as const };
      if (theirs.has(k)) return { eventType, channel, enabled: theirs.get(k)!, source: "group" as const };
      return { eventType, channel, enabled: true, source: "default" as const };
    }),
  );
}

/** The people of `userIds` who want `eventType` by `channel` (one query for the event's recipients). */
export async function wantedBy(
  db: Queryable,
  userIds: readonly string[],
  eventType: string,
  channel: PreferenceChannel,
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const result = await db.query<{ id: string }>(
    `SELECT u.id FROM unnest($1::text[]) AS u(id)
      WHERE coalesce(
              (SELECT p.enabled FROM airlock.notification_preferences p
                WHERE p.user_id = u.id AND p.event_type = $2 AND p.channel = $3),
              (SELECT bool_or(d.enabled) FROM airlock.group_notification_defaults d
                 JOIN airlock.groups g ON g.name = d.group_name
                 JOIN airlock.group_members m ON m.group_id = g.id AND m.user_id = u.id
                WHERE d.event_type = $2 AND d.channel = $3),
              true)`,
    [userIds, eventType, channel],
  );
  return new Set(result.rows.map((r) => r.id));
}

export interface GroupDefault {
  group: string;
  eventType: string;
  channel: PreferenceChannel;
  enabled: boolean;
}

/** Every group's defaults as set by admins (what is not listed is on). */
export async function groupDefaults(db: Queryable): Promise<GroupDefault[]> {
  const result = await db.query<{
    group_name: string;
    event_type: string;
    channel: PreferenceChannel;
    enabled: boolean;
  }>(
    `SELECT d.group_name, d.event_type, d.channel, d.enabled FROM airlock.group_notification_defaults d
       JOIN airlock.groups g ON g.name = d.group_name ORDER BY d.group_name, d.event_type, d.channel`,
  );
  return result.rows.map((r) => ({
    group: r.group_name,
    eventType: r.event_type,
    channel: r.channel,
    enabled: r.enabled,
  }));
}

export async function setPreference(
  db: Queryable,
  userId: string,
  input: { eventType: string; channel: PreferenceChannel; enabled: boolean },
): Promise<void> {
  await db.query(
    `INSERT INTO airlock.notification_preferences (user_id, event_type, channel, enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, event_type, channel) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
    [userId, input.eventType, input.channel, input.enabled],
  );
}

/** Set a group's default; false when there is no such group. */
export async function setGroupDefault(
  db: Queryable,
  actorId: string,
  input: { group: string; eventType: string; channel: PreferenceChannel; enabled: boolean },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO airlock.group_notification_defaults (group_name, event_type, channel, enabled, updated_by)
     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM airlock.groups WHERE name = $1)
     ON CONFLICT (group_name, event_type, channel) DO UPDATE
       SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [input.group, input.eventType, input.channel, input.enabled, actorId],
  );
  return result.rowCount === 1;
}
