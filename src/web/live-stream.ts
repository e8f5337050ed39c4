// Whether the live-updates stream (GET /api/v1/events/stream, opened by notify/live-updates.ts) is
// open, for the pages that poll only while it is down, and the read-again each (re)connection
// makes: what changed before the stream began was announced before it existed.
import { type QueryClient, useQuery } from "@tanstack/react-query";

export const STREAM_KEY = ["live-updates"];

/**
 * Records whether the stream is open, so that pages poll only while it is down: with the stream
 * open every change arrives as an event, and a poll would only repeat the request. Once it is
 * (re)opened, the queries under `readOnOpen` are read again (`readAgain`); when it drops, they are
 * read at once, which also starts their polling until it is back.
 */
export function watchStream(
  source: Pick<EventSource, "addEventListener">,
  queries: QueryClient,
  readOnOpen: readonly (readonly unknown[])[],
): void {
  source.addEventListener("ready", () => {
    queries.setQueryData(STREAM_KEY, "open");
    for (const queryKey of readOnOpen) readAgain(queries, queryKey);
  });
  source.addEventListener("error", () => {
    queries.setQueryData(STREAM_KEY, "down");
    for (const queryKey of readOnOpen) void queries.invalidateQueries({ queryKey });
  });
}

/**
 * Reads the queries under `queryKey` again, including one whose first read is still under way.
 * An invalidation alone joins a read in flight when the query has no data yet (react-query's
 * rule): that read may have been answered before the stream began, and what changed in between
 * would then never be shown (no event comes for it and nothing polls while the stream is open).
 * So a read in flight is cancelled first and a new one made.
 */
export function readAgain(queries: QueryClient, queryKey: readonly unknown[]): void {
  void queries
    .cancelQueries({ queryKey, fetchStatus: "fetching" })
    .then(() => queries.invalidateQueries({ queryKey }));
}

export function streamOpen(queries: QueryClient): boolean {
  return queries.getQueryData(STREAM_KEY) === "open";
}

/** A query's polling interval that applies only while the stream is down (`ms`), else none. */
export function pollWhileDown(queries: QueryClient, ms: number): number | false {
  return streamOpen(queries) ? false : ms;
}

/**
 * Re-renders the calling hook's component when the stream opens or drops, so that a polling
 * interval stops (or starts) at once: react-query re-reads `refetchInterval` on a render, and
 * otherwise only after its next tick (one more poll after the stream had opened).
 */
export function useStreamState(): void {
  useQuery({
    queryKey: STREAM_KEY,
    queryFn: () => "down",
    enabled: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
}
