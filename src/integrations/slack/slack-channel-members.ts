// Who is in the team channel, so that a reviewer who reads it is not sent the same approval
// request a second time as a direct message. Slack's `conversations.members` lists a
// conversation's member ids a page at a time (`limit`, then `cursor` from
// `response_metadata.next_cursor` until it is empty); it needs the bot in the channel and the
// read scope of its kind: `channels:read` (public), `groups:read` (private).
//
// Read at most once a minute per channel: an approval request is posted far more often than people
// join or leave the channel, and one who just joined gets one message less a minute early. A
// failed lookup is not remembered, and its caller sends the direct messages (a duplicate is better
// than a reviewer who never hears of the request).
import type { Log } from "../../observe/logger.ts";
import type { SlackApi } from "./slack-api.ts";

const TTL_MS = 60_000;
const PAGE = 200; // Slack recommends no more than 200 per page
const MAX_PAGES = 50; // 10,000 members: past that the list is partial, and only those listed are skipped

export interface ChannelMembers {
  /** The channel's member ids, or null when Slack could not say (then nobody is skipped). */
  of(channel: string): Promise<ReadonlySet<string> | null>;
}

export function channelMembers(options: { api: SlackApi; log?: Log; now?: () => number }): ChannelMembers {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Set<string> }>();
  return {
    async of(channel) {
      const cached = cache.get(channel);
      if (cached && now() - cached.at < TTL_MS) return cached.members;
      const members = new Set<string>();
      try {
        let cursor = "";
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await options.api.call<{
            members?: string[];
            response_metadata?: { next_cursor?: string };
          }>("conversations.members", { channel, limit: PAGE, ...(cursor ? { cursor } : {}) });
          for (const id of answer.members ?? []) members.add(id);
          cursor = answer.response_metadata?.next_cursor ?? "";
          if (!cursor) break;
        }
      } catch (error) {
        options.log?.warn(
          { err: error, channel },
          "slack: could not list the channel's members; its members get direct messages too",
        );
        return null;
      }
      cache.set(channel, { at: now(), members });
      return members;
    },
  };
}
