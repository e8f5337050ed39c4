// The load generator, run as its own process so that it does not share an event loop with the
// server: autocannon against one URL, recording every response time (for exact p50/p95/p99).
// Arguments: a JSON object { url, connections, seconds, method, headers, body }; with `amount`,
// it sends that many requests instead of running for `seconds`.
import autocannon from "autocannon";

const options = JSON.parse(process.argv[2]!) as {
  url: string;
  connections: number;
  seconds: number;
  amount?: number;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body?: string;
};
const times: number[] = [];
const statuses: Record<string, number> = {};
const instance = autocannon({
  url: options.url,
  connections: options.connections,
  ...(options.amount ? { amount: options.amount } : { duration: options.seconds }),
  method: options.method,
  headers: options.headers,
  ...(options.body ? { body: options.body } : {}),
  // Replaces [<id>] with a unique id per request: every request gets its own idempotency key.
  idReplacement: true,
});
instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  times.push(responseTime);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
});
const started = performance.now();
const result = await instance;
const elapsed = options.amount ? (performance.now() - started) / 1000 : options.seconds;
const cpu = process.cpuUsage();
times.sort((a, b) => a - b);
const pick = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    requests: times.length,
    perSecond: times.length / elapsed,
    p50: pick(50),
    p95: pick(95),
    p99: pick(99),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    // This process's CPU for the whole run (bench/profile.ts reports it per action).
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  })}\n`,
);
