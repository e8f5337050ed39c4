// `airlock runbook start|status|cancel|retry` and `airlock input`: runbooks through a server's
// API, with the same checks as the web UI (the server decides everything).
import { api, apiOptions, describeError, parseApiCommandArgs } from "./api-client.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";
import { coerce, reviewerChoice } from "./run-command.ts";
import { table } from "./text-table.ts";

interface StepJson {
  name: string;
  kind: string;
  status: string;
  runId: string | null;
  title: string | null;
  canAnswer: boolean;
  answeredBy: { id: string; name: string | null } | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  form: { properties?: Record<string, { type?: string | string[] }> } | null;
}
interface RunbookRunJson {
  id: string;
  runbook: string;
  status: string;
  attempt: number;
  progress: { done: number; total: number; label: string | null } | null;
  error: { code: string; message: string; step: string | null } | null;
  steps: StepJson[];
  logs: { message: string }[];
}

function printRun(io: CliIo, run: RunbookRunJson): void {
  const progress = run.progress
    ? `  ${run.progress.done}/${run.progress.total} ${run.progress.label ?? ""}`
    : "";
  io.out(`${run.status}  runbook run ${run.id} (${run.runbook}, attempt ${run.attempt})${progress}`);
  if (run.steps.length > 0)
    io.out(
      table(
        ["step", "kind", "status", "run", "answered by", "ms"],
        run.steps.map((s) => [
          s.name,
          s.kind,
          s.error ? `${s.status} (${s.error.code})` : s.status,
          s.runId ?? "",
          s.answeredBy ? (s.answeredBy.name ?? s.answeredBy.id) : s.canAnswer ? "waiting for you" : "",
          s.durationMs === null ? "" : String(s.durationMs),
        ]),
      ),
    );
  if (run.error) io.out(`failed at ${run.error.step ?? "start"}: ${run.error.code}: ${run.error.message}`);
}

export const runbookCommand: Command = {
  name: "runbook",
  summary: "Start and follow runbooks: airlock runbook start|status|cancel|retry|approve|reject|gates …",
  help: [
    "Usage: airlock runbook start <runbook> [--param name=value]… [--params-json JSON]",
    "                             [--reason TEXT] [--idempotency-key KEY]",
    "                             [--gate-reviewer GATE=USER|GATE=group:NAME]…",
    "       airlock runbook status <runbook-run-id>",
    "       airlock runbook cancel <runbook-run-id> [--reason TEXT]",
    "       airlock runbook retry <runbook-run-id>",
    "       airlock runbook approve <runbook-run-id> [--step NAME] [--reason TEXT]",
    "       airlock runbook reject <runbook-run-id> [--step NAME] --reason TEXT",
    "       airlock runbook gates",
    "       (each takes [--json] [--server URL] [--token TOKEN])",
    "",
    "start needs run on the runbook and on every action it uses; status lists every step, its run",
    "and who answered it; cancel stops a running or waiting run (steps done stay done); retry runs",
    "a failed run again from its failed step; approve/reject decide an approval gate (rb.approve)",
    "waiting in the run (--step when it waits on several; never your own run's); gates lists the",
    "gates you may decide. --gate-reviewer narrows the reviewers of an approval gate (by its step",
    "name) that lets the starter choose: only those picked are asked (repeat it for several).",
    "",
    "Exit status: 0 done, 1 refused or failed, 3 started or still running.",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      param: { type: "string", multiple: true, short: "p" },
      "params-json": { type: "string" },
      reason: { type: "string" },
      step: { type: "string" },
      "idempotency-key": { type: "string" },
      "gate-reviewer": { type: "string", multiple: true },
    });
    const [verb, subject, ...rest] = positionals;
    const options = apiOptions(values, io.env);
    if (verb === "gates" && !subject) return await listGates(io, options);
    if (!verb || !subject || rest.length > 0 || !VERBS.includes(verb))
      throw new UsageError("use: airlock runbook start|status|cancel|retry|approve|reject <name or id>");
    let response: Awaited<ReturnType<typeof api>>;
    if (verb === "approve" || verb === "reject") {
      const id = encodeURIComponent(subject);
      let step = values.step;
      if (!step) {
        const current = await api(options, "GET", `/api/v1/runbook-runs/${id}`);
        if (current.status >= 400) {
          io.err(describeError(current));
          return 1;
        }
        step = (current.body as RunbookRunJson).steps.find(
          (s) => s.kind === "approval" && s.status === "waiting",
        )?.name;
        if (!step) throw new UsageError("this runbook run has no approval gate waiting");
      }
      response = await api(
        options,
        "POST",
        `/api/v1/runbook-runs/${id}/steps/${encodeURIComponent(step)}/${verb}`,
        {
          body: values.reason ? { reason: values.reason } : {},
        },
      );
    } else if (verb === "start") {
      const params: Record<string, unknown> = values["params-json"] ? JSON.parse(values["params-json"]) : {};
      const listed = await api(options, "GET", "/api/v1/runbooks");
      const schema = (
        (listed.body as { runbooks?: { name: string; paramsSchema: StepJson["form"] }[] }).runbooks ?? []
      ).find((r) => r.name === subject)?.paramsSchema;
      for (const pair of values.param ?? []) {
        const eq = pair.indexOf("=");
        if (eq < 1) throw new UsageError(`--param takes name=value, got "${pair}"`);
        const key = pair.slice(0, eq);
        params[key] = coerce(pair.slice(eq + 1), schema?.properties?.[key]?.type);
      }
      response = await api(options, "POST", `/api/v1/runbooks/${encodeURIComponent(subject)}/runs`, {
        body: {
          params,
          ...(values.reason ? { reason: values.reason } : {}),
          ...gateReviewersOf(values["gate-reviewer"] ?? []),
        },
        ...(values["idempotency-key"] ? { headers: { "idempotency-key": values["idempotency-key"] } } : {}),
      });
    } else if (verb === "status") {
      response = await api(options, "GET", `/api/v1/runbook-runs/${encodeURIComponent(subject)}`);
    } else {
      response = await api(options, "POST", `/api/v1/runbook-runs/${encodeURIComponent(subject)}/${verb}`, {
        body: verb === "cancel" && values.reason ? { reason: values.reason } : {},
      });
    }
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    const run = response.body as RunbookRunJson;
    if (!values.json) printRun(io, run);
    if (run.status === "succeeded" || run.status === "cancelled") return 0;
    return run.status === "failed" ? 1 : 3;
  },
};

/** `--gate-reviewer GATE=VALUE` values as the start's `gateReviewers` (VALUE as `--reviewer`). */
function gateReviewersOf(given: readonly string[]): { gateReviewers?: Record<string, unknown> } {
  const byGate = new Map<string, string[]>();
  for (const pair of given) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new UsageError(`--gate-reviewer takes GATE=USER or GATE=group:NAME, got "${pair}"`);
    const gate = pair.slice(0, eq);
    byGate.set(gate, [...(byGate.get(gate) ?? []), pair.slice(eq + 1)]);
  }
  if (byGate.size === 0) return {};
  return {
    gateReviewers: Object.fromEntries([...byGate].map(([gate, values]) => [gate, reviewerChoice(values)])),
  };
}

const VERBS = ["start", "status", "cancel", "retry", "approve", "reject"];

async function listGates(io: CliIo, options: ReturnType<typeof apiOptions>): Promise<number> {
  const listed = await api(options, "GET", "/api/v1/runbook-gates");
  if (listed.status >= 400) {
    io.err(describeError(listed));
    return 1;
  }
  const gates = (
    listed.body as {
      gates: {
        runbookRunId: string;
        step: string;
        runbookTitle: string;
        approval: { reason: string | null };
      }[];
    }
  ).gates;
  io.out(
    table(
      ["runbook run", "step", "runbook", "why"],
      gates.map((g) => [g.runbookRunId, g.step, g.runbookTitle, g.approval.reason ?? ""]),
    ),
  );
  return 0;
}

export const inputCommand: Command = {
  name: "input",
  summary: "Answer a human step of a runbook: airlock input <runbook-run-id> --field name=value …",
  help: [
    "Usage: airlock input <runbook-run-id> [--step NAME] [--field name=value]… [--answer-json JSON]",
    "                     [--json] [--server URL] [--token TOKEN]",
    "       airlock input --list",
    "",
    "Answers the run's human step assigned to you (--step when it waits on several). Field errors",
    "name the field; answering a step again changes nothing. --list shows the steps waiting for you.",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      step: { type: "string" },
      field: { type: "string", multiple: true, short: "f" },
      "answer-json": { type: "string" },
      list: { type: "boolean" },
    });
    const options = apiOptions(values, io.env);
    if (values.list) {
      const listed = await api(options, "GET", "/api/v1/runbook-inputs");
      if (listed.status >= 400) {
        io.err(describeError(listed));
        return 1;
      }
      const inputs = (
        listed.body as {
          inputs: { runbookRunId: string; step: string; title: string | null; runbookTitle: string }[];
        }
      ).inputs;
      io.out(
        table(
          ["runbook run", "step", "runbook", "asks"],
          inputs.map((i) => [i.runbookRunId, i.step, i.runbookTitle, i.title ?? ""]),
        ),
      );
      return 0;
    }
    const id = positionals[0];
    if (!id || positionals.length > 1)
      throw new UsageError("give the runbook run's id: airlock input rbr_… --field name=value");
    const current = await api(options, "GET", `/api/v1/runbook-runs/${encodeURIComponent(id)}`);
    if (current.status >= 400) {
      io.err(describeError(current));
      return 1;
    }
    const run = current.body as RunbookRunJson;
    const step = values.step
      ? run.steps.find((s) => s.name === values.step)
      : (run.steps.find((s) => s.kind === "input" && s.canAnswer) ??
        run.steps.find((s) => s.kind === "input"));
    if (!step) throw new UsageError("this runbook run has no such human step");
    const answer: Record<string, unknown> = values["answer-json"] ? JSON.parse(values["answer-json"]) : {};
    for (const pair of values.field ?? []) {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new UsageError(`--field takes name=value, got "${pair}"`);
      const key = pair.slice(0, eq);
      answer[key] = coerce(pair.slice(eq + 1), step.form?.properties?.[key]?.type);
    }
    const response = await api(
      options,
      "POST",
      `/api/v1/runbook-runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(step.name)}/answer`,
      { body: { answer } },
    );
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    const answered = response.body as { runbookRun: RunbookRunJson; replayed: boolean };
    if (!values.json) {
      io.out(
        answered.replayed
          ? `The step ${step.name} was already answered; nothing changed.`
          : `Answered ${step.name}.`,
      );
      printRun(io, answered.runbookRun);
    }
    return 0;
  },
};
