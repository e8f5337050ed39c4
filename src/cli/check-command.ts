// `airlock check`: the workspace checked the way a server would at start, for CI (like
// `terraform validate`). Exit 0 when it compiles, 1 when it does not (every problem listed with
// the file and line of the definition it is about), 2 for a usage mistake. Prints what a reviewer
// of the change wants to see: the permission matrix, the approval policies, the PII classes, and
// with --against what would change on a running server.

import { relative, resolve } from "node:path";
import { importWorkspace } from "../config/load-workspace.ts";
import { StartupError } from "../errors/startup-error.ts";
import type { Workspace } from "../sdk/define-workspace.ts";
import {
  type CompiledWorkspace,
  compileWorkspace,
  WorkspaceProblemsError,
} from "../workspace/compile-workspace.ts";
import { runbookStepProblems } from "../workspace/runbook-rehearsal.ts";
import { apiOptions } from "./api-client.ts";
import { changesAgainst } from "./check-against.ts";
import { permissionMatrix, piiTable, policyTable, summaryLine, warningsOf } from "./check-report.ts";
import { type Command, parseCommandArgs } from "./command.ts";
import { locationInStack, sourceOfProblem } from "./workspace-problems.ts";

const OPTIONS = {
  config: { type: "string" },
  against: { type: "string" },
  token: { type: "string" },
} as const;

export const checkCommand: Command = {
  name: "check",
  summary: "Check the workspace for CI: problems with file:line, permissions, policies, PII, changes",
  help: [
    "Usage: airlock check [--config FILE] [--against URL [--token TOKEN]]",
    "",
    "Loads and compiles the workspace (default: $AIRLOCK_CONFIG or airlock.config.ts) as the",
    "server would, without a database. Lists every problem with its file and line and exits 1;",
    "otherwise prints the permission matrix (roles × actions × verbs), the approval policies and",
    "the PII classes of each action, and exits 0. Warnings (an action no role may run, a policy",
    "nobody may approve) do not fail the check.",
    "",
    "  --against URL   also list what would change on that running Airlock (actions added, removed",
    "                  or changed: title, risk, tags, policies, parameters, version); needs a token",
    "                  (--token or $AIRLOCK_TOKEN) that may view the actions",
  ].join("\n"),
  async run(args, io) {
    const { values } = parseCommandArgs({ args, options: OPTIONS, allowPositionals: false });
    const path = resolve(values.config ?? io.env.AIRLOCK_CONFIG ?? "airlock.config.ts");
    const shown = (file: string) => relative(process.cwd(), file) || file;

    let workspace: Workspace;
    try {
      workspace = await importWorkspace(path);
    } catch (error) {
      if (!(error instanceof StartupError)) throw error;
      const at = locationInStack((error as { cause?: unknown }).cause, path);
      io.err(`${at ? `${shown(at)}: ` : ""}${error.message}`);
      return 1;
    }

    let compiled: CompiledWorkspace;
    try {
      compiled = compileWorkspace(workspace, shown(path));
      const problems = await runbookStepProblems(compiled.runbooks.values());
      if (problems.length > 0) throw new WorkspaceProblemsError(shown(path), problems);
    } catch (error) {
      if (error instanceof WorkspaceProblemsError) {
        io.err(`${shown(path)}: ${error.problems.length} problem${error.problems.length === 1 ? "" : "s"}`);
        for (const problem of error.problems) {
          const source = sourceOfProblem(workspace, problem);
          io.err(`  ${source ? `${shown(source.file)}:${source.line}: ` : ""}${problem}`);
        }
        return 1;
      }
      if (error instanceof StartupError) {
        io.err(`${shown(path)}: ${error.message}`);
        return 1;
      }
      throw error;
    }

    const warnings = warningsOf(compiled);
    io.out(
      [
        `${shown(path)}: ok`,
        summaryLine(compiled),
        "",
        "Permissions (action × role → verbs; deny by default):",
        permissionMatrix(compiled),
        "",
        "Approval policies:",
        policyTable(compiled),
        "",
        "PII classes:",
        piiTable(compiled),
        ...(warnings.length > 0 ? ["", "Warnings:", ...warnings.map((w) => `  ${w}`)] : []),
      ].join("\n"),
    );

    if (values.against !== undefined) {
      const options = apiOptions({ server: values.against, token: values.token }, io.env);
      const changes = await changesAgainst(compiled, options);
      const lines = [`Against ${options.server} (the actions its token may view):`];
      if (changes.length === 0) lines.push("  no changes");
      for (const change of changes) {
        const mark = change.kind === "added" ? "+" : change.kind === "removed" ? "-" : "~";
        const note = change.kind === "removed" ? " (on the server, not in this workspace)" : "";
        lines.push(`  ${mark} ${change.name}${note}`);
        for (const detail of change.details) lines.push(`      ${detail}`);
      }
      io.out(["", ...lines].join("\n"));
    }
    return 0;
  },
};
