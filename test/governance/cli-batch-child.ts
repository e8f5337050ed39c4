// The child of cli-batch.ts: reads the commands as JSON from stdin, runs each through the CLI's
// `main` with its own environment (plus PATH and HOME, as a lone run gets), and prints every
// result as JSON after a marker line.
import { main } from "../../src/cli/main.ts";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const commands = JSON.parse(input) as { args: string[]; env: Record<string, string> }[];
const results: { code: number; out: string; err: string }[] = [];
for (const command of commands) {
  let out = "";
  let err = "";
  const code = await main(command.args, {
    out: (line) => {
      out += `${line}\n`;
    },
    err: (line) => {
      err += `${line}\n`;
    },
    env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...command.env },
    stdin: [],
  });
  results.push({ code, out, err });
}
// After a marker line: a command may also print straight to stdout (DBOS's migrations do).
process.stdout.write(`\n${"@@cli-batch@@"}\n${JSON.stringify(results)}`);
