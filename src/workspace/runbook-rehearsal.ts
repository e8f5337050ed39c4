// A runbook's step names, found before it runs. A runbook's function is replayed on recovery, so
// everything it does outside its steps must be deterministic and free of effects; that makes it
// safe to call it once with a context that records each step's name and does nothing. A step's
// result is a hollow value (any property, call or iteration gives another hollow value or
// nothing), so the rehearsal follows the path the parameters choose and takes no loop over a
// step's output. What it finds is a path a run could take up to the point where it stopped:
// two steps with one name there will also meet in a real run, which the engine would refuse only
// when the second step came — after the first had done its work.
//
// A rehearsal that throws, runs past its step budget or waits on something other than the
// context is inconclusive, and names nothing: the runner's own check still holds.
import type { ApproveOptions, RunbookContext } from "../sdk/define-runbook.ts";

/** The default step names, one counter per kind, shared by the runner and the rehearsal. */
export function stepNamer() {
  let inputs = 0;
  let gates = 0;
  let sleeps = 0;
  return {
    run: (action: string, options?: { step?: string }) => options?.step ?? action,
    input: (options: { step?: string }) => {
      inputs++;
      return options.step ?? (inputs === 1 ? "input" : `input_${inputs}`);
    },
    approve: (options: { step?: string }) => {
      gates++;
      return options.step ?? (gates === 1 ? "approval" : `approval_${gates}`);
    },
    sleep: (options?: { step?: string }) => {
      sleeps++;
      return options?.step ?? (sleeps === 1 ? "sleep" : `sleep_${sleeps}`);
    },
  };
}

export interface Rehearsal {
  /** Every step name claimed, in order, up to where the rehearsal stopped. */
  steps: string[];
  /** The first name claimed twice, or null. */
  duplicate: string | null;
  /** Whether the function ran to its end (otherwise it threw or ran past a budget). */
  finished: boolean;
  /** The approval gates claimed, with their options (the starter's reviewer picks are checked on them). */
  gates: { step: string; options: ApproveOptions }[];
}

const MAX_STEPS = 1_000;
const MAX_MS = 200;

class RehearsalOver extends Error {}

// Each conversion to text gives a new token, so names built from a step's output never collide
// by accident (two different outputs would make two names in a real run).
function hollowValues(): () => unknown {
  let tokens = 0;
  const hollow = (): unknown => new Proxy(() => {}, handler);
  const handler: ProxyHandler<() => void> = {
    get(_, key) {
      if (key === Symbol.toPrimitive)
        return (hint: string) => (hint === "number" ? Number.NaN : `hollow${++tokens}`);
      if (key === "then") return undefined;
      if (key === Symbol.iterator) return function* () {};
      if (key === Symbol.asyncIterator) return async function* () {};
      if (key === "length" || key === "size") return 0;
      if (key === "toJSON") return () => null;
      if (typeof key === "symbol") return undefined;
      return hollow();
    },
    apply: () => hollow(),
    construct: () => hollow() as object,
    has: () => false,
  };
  return hollow;
}

/** Calls the runbook's function with a recording context; see the header for what it proves. */
export async function rehearseRunbook(
  handler: (rb: RunbookContext, params: Record<string, unknown>) => Promise<unknown>,
  /** The run's parameters; none at load, where each is a hollow value. */
  params: Record<string, unknown> | null,
): Promise<Rehearsal> {
  const hollow = hollowValues();
  const names = stepNamer();
  const steps: string[] = [];
  const gates: Rehearsal["gates"] = [];
  const seen = new Set<string>();
  let duplicate: string | null = null;
  let over = false;
  const claim = (name: string) => {
    if (over || steps.length >= MAX_STEPS) {
      over = true;
      throw new RehearsalOver();
    }
    steps.push(name);
    if (seen.has(name) && duplicate === null) duplicate = name;
    seen.add(name);
    // Nothing after a duplicate matters: the run would stop there.
    if (duplicate !== null) {
      over = true;
      throw new RehearsalOver();
    }
  };
  const rb: RunbookContext = {
    runbookRunId: "rbr_rehearsal",
    actor: { id: "rehearsal", kind: "human", name: "rehearsal", email: null } as RunbookContext["actor"],
    async run(action, _params, options) {
      claim(names.run(action, options));
      return hollow() as never;
    },
    async step(name) {
      claim(name);
      return hollow() as never;
    },
    async input(_form, options) {
      claim(names.input(options));
      return hollow() as never;
    },
    async approve(options) {
      const step = names.approve(options);
      claim(step);
      gates.push({ step, options });
      return { approvalRequestId: "apr_rehearsal", approvedBy: [] };
    },
    async sleep(_duration, options) {
      claim(names.sleep(options));
    },
    async waitUntil(_at, options) {
      claim(names.sleep(options));
    },
    async log() {},
    async progress() {},
  };
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), MAX_MS);
    timer.unref();
  });
  let finished = false;
  try {
    const outcome = await Promise.race([
      handler(rb, params ?? (hollow() as Record<string, unknown>)).then(() => "done" as const),
      budget,
    ]);
    finished = outcome === "done";
  } catch {
    // Inconclusive (or stopped at a duplicate): what was claimed so far stands.
  } finally {
    over = true;
    clearTimeout(timer);
  }
  return { steps, duplicate, finished, gates };
}

/**
 * The load-time check: each runbook rehearsed without parameters; a name two steps claim on the
 * path taken is a problem naming the runbook and the step.
 */
export async function runbookStepProblems(
  runbooks: Iterable<{
    name: string;
    handler: (rb: RunbookContext, params: Record<string, unknown>) => Promise<unknown>;
  }>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const runbook of runbooks) {
    const { duplicate } = await rehearseRunbook(runbook.handler, null);
    if (duplicate !== null) problems.push(duplicateStepProblem(runbook.name, duplicate));
  }
  return problems;
}

export function duplicateStepProblem(runbook: string, step: string): string {
  return `runbook "${runbook}": two steps are named "${step}"; give each a unique name ({ step: "..." }).`;
}
