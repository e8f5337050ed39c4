// The six questions for a whole runbook run (who, what, why, what changed, when, which version),
// as GET /api/v1/runbook-runs/{id} answers them in `questions`: an auditor reads the run here
// without opening each step. Each action step links to its own run, which answers its own six.
import { Anchor, Code, Paper, Stack, Table, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { CopyText } from "../components/CopyText.tsx";
import { Time } from "../components/Time.tsx";
import { formatDuration } from "./duration.ts";
import type { RunbookRun } from "./runbooks-api.ts";

type Questions = NonNullable<RunbookRun["questions"]>;

function Line({ children }: { children: ReactNode }) {
  return (
    <Text size="sm" component="div">
      {children}
    </Text>
  );
}

function Why({ why }: { why: Questions["why"] }) {
  return (
    <Stack gap={4}>
      <Line>{why.reason ? `“${why.reason}”` : "No reason given."}</Line>
      {why.approvals.map((a) => (
        <Line key={a.requestId}>
          {a.kind === "gate" ? "Gate" : "Approval of"} “{a.step}”: {a.status}
          {a.decisions.map((d) => (
            <Text span size="sm" key={`${d.reviewer.id}:${d.decidedAt}`}>
              {" "}
              · {d.decision} by {d.reviewer.name ?? d.reviewer.id}
              {d.reason ? ` (“${d.reason}”)` : ""}
            </Text>
          ))}
        </Line>
      ))}
      {why.answers.map((a) => (
        <Line key={a.step}>
          “{a.title ?? a.step}” answered by {a.answeredBy.name ?? a.answeredBy.id} ·{" "}
          <Time value={a.answeredAt} />
        </Line>
      ))}
    </Stack>
  );
}

export function RunbookQuestions({ questions }: { questions: Questions }) {
  const { who, what, why, changed, when, version } = questions;
  const rows: { key: string; label: string; answer: ReactNode }[] = [
    {
      key: "who",
      label: "Who",
      answer: (
        <Line>
          {who.startedBy.name ?? who.startedBy.id} · request{" "}
          <CopyText value={who.requestId} label="request ID" size="xs" />
        </Line>
      ),
    },
    {
      key: "what",
      label: "What",
      answer: (
        <Line>
          <Code>{what.runbook}</Code> · {what.steps} step{what.steps === 1 ? "" : "s"} · {what.status}
        </Line>
      ),
    },
    { key: "why", label: "Why", answer: <Why why={why} /> },
    {
      key: "changed",
      label: "What changed",
      answer:
        changed.length === 0 ? (
          <Line>No action ran.</Line>
        ) : (
          <Stack gap={4}>
            {changed.map((c) => (
              <Line key={c.step}>
                “{c.step}”: <Code>{c.action}</Code> {c.status}
                {c.errorCode ? ` (${c.errorCode})` : ""}
                {c.runId && (
                  <>
                    {" · "}
                    <Anchor
                      component={Link}
                      to={`/runs/${encodeURIComponent(c.runId)}`}
                      size="sm"
                      underline="always"
                    >
                      its run
                    </Anchor>
                  </>
                )}
              </Line>
            ))}
          </Stack>
        ),
    },
    {
      key: "when",
      label: "When",
      answer: (
        <Line>
          <Time value={when.startedAt} /> →{" "}
          {when.finishedAt ? <Time value={when.finishedAt} /> : "not finished"}
          {when.durationMs !== null ? ` · ${formatDuration(when.durationMs)}` : ""}
        </Line>
      ),
    },
    {
      key: "version",
      label: "Version",
      answer: (
        <Line>
          runbook <Code>{version.runbook.slice(0, 12)}</Code>
          {version.attempt > 1 ? ` · attempt ${version.attempt}` : ""}
          {version.actions.map((a) => (
            <Text span size="sm" key={a.step}>
              {" "}
              · <Code>{a.action}</Code> <Code>{a.version.slice(0, 12)}</Code>
            </Text>
          ))}
        </Line>
      ),
    },
  ];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label="The six questions">
      <Text fw={600} mb="sm">
        The six questions
      </Text>
      <Table fz="sm" verticalSpacing={6} withRowBorders>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.key} data-question={row.key}>
              <Table.Th w={120} style={{ verticalAlign: "top" }}>
                {row.label}
              </Table.Th>
              <Table.Td>{row.answer}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
