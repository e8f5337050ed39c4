// Notifications do not pile up forever: the maintenance sweep deletes those older than the
// retention (AIRLOCK_NOTIFICATION_RETENTION_DAYS). In-app ones go read or not — an unread one that
// old is no longer news, and what it pointed at (the approval, the run) keeps its own record and
// audit trail. Email, Slack and webhook rows go once delivered or given up ('failed'); a 'pending'
// row is still being retried by its delivery job and is never deleted under it.
import type { Queryable } from "../store/queryable.ts";

/** Rows per DELETE: short statements, so the sweep never holds many row locks or a long transaction. */
export const PRUNE_BATCH = 1000;

const CHANNELS = ["in_app", "email", "slack", "webhook"] as const;

/** Delete the notifications past `retentionDays`, in bounded batches; how many went. */
export async function pruneNotifications(db: Queryable, retentionDays: number): Promise<number> {
  let total = 0;
  // Per channel, so that each batch is found through notifications_channel_idx (channel, created_at).
  for (const channel of CHANNELS) {
    for (;;) {
      const result = await db.query(
        `DELETE FROM airlock.notifications WHERE id IN (
           SELECT id FROM airlock.notifications
            WHERE channel = $1 AND status <> 'pending' AND created_at < now() - make_interval(days => $2)
            ORDER BY created_at LIMIT $3)`,
        [channel, retentionDays, PRUNE_BATCH],
      );
      const removed = result.rowCount ?? 0;
      total += removed;
      if (removed < PRUNE_BATCH) break;
    }
  }
  return total;
}
