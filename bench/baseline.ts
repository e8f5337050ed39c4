// The anchor: bare single-row INSERT commits per second through a pg pool of the same size as
// the concurrency, on the same server. Every governed-action figure is read against this.
import pg from "pg";

export async function measureBareCommits(
  url: string,
  concurrency: number,
  seconds: number,
): Promise<{ perSecond: number; p50: number; p99: number }> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  await pool.query(
    "CREATE TABLE IF NOT EXISTS public.bench_commits (id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())",
  );
  const latencies: number[] = [];
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await pool.query("INSERT INTO public.bench_commits (payload) VALUES ($1)", [`w${worker}-${count}`]);
        latencies.push(performance.now() - t0);
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / elapsed,
    p50: latencies[Math.floor(latencies.length / 2)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}
