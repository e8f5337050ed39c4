// Started by test/store/embedded-postgres.test.ts as a separate process: start an embedded
// PostgreSQL in the given data dir, print its URL, then wait to be killed.
import { startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";

const handle = await startEmbeddedPostgres({ dataDir: process.argv[2]!, database: "postgres" });
process.stdout.write(`${JSON.stringify({ url: handle.url, pgDir: handle.pgDir, pid: process.pid })}\n`);
setInterval(() => {}, 60_000);
