// A runbook run's steps as a vertical timeline: each with its status, when it started, how long
// it took, and what it is — an action step links to its run, a human step says who is asked and
// who answered, a wait says until when. A kind of step this page does not know yet is shown by
// its name, status and times.
import { Anchor, Badge, Group, Stack, Text, Timeline } from "@mantine/core";
import { Link } from "react-router";
import { Time } from "../components/Time.tsx";
import { ResultView } from "../result/ResultView.tsx";
import { formatDuration } from "./duration.ts";
import { GateDecision } from "./GateDecision.tsx";
import { gateOf } from "./gate-api.ts";
import { HumanStepForm } from "./HumanStepForm.tsx";
import { RunbookStatusBadge, runbookStatusColor } from "./RunbookStatusBadge.tsx";
import { isFinalRunbookStatus, type RunbookRun, type RunbookStep } from "./runbooks-api.ts";

const KIND: Record<string, string> = {
  action: "Action",
  step: "Step",
  input: "Human step",
  sleep: "Wait",
  approval: "Approval gate",
};

function assigneeText(step: RunbookStep): string | null {
  if (!step.assignee) return null;
  if (step.assignee.user) return step.canAnswer ? "you" : "one person";
  if (step.assignee.group) return `the ${step.assignee.group} group`;
  return null;
}

function Duration({ step }: { step: RunbookStep }) {
  if (step.durationMs !== null) return <>took {formatDuration(step.durationMs)}</>;
  const since = Date.now() - new Date(step.startedAt).getTime();
  return (
    <>
      {step.status === "waiting" ? "waiting" : "running"} for {formatDuration(Math.max(0, since))}
    </>
  );
}

function StepDetails({ run, step }: { run: RunbookRun; step: RunbookStep }) {
  const assignee = assigneeText(step);
  const answer = step.answer as Record<string, unknown> | null;
  // A cancelled or failed run asks nothing more, whatever its last step's row still says.
  const open = step.status === "waiting" && !isFinalRunbookStatus(run.status);
  const gate = gateOf(step);
  return (
    <Stack gap={6} mt={4}>
      <Group gap="xs" wrap="wrap">
        <RunbookStatusBadge status={step.status} size="sm" />
        <Text size="xs" c="dimmed">
          started <Time value={step.startedAt} /> · <Duration step={step} />
        </Text>
      </Group>
      {step.kind === "action" && (
        <Text size="sm">
          Runs{" "}
          <Anchor component={Link} to={`/actions/${step.action}`} ff="monospace" size="sm">
            {step.action}
          </Anchor>
          {step.runId && (
            <>
              {" "}
              ·{" "}
              <Anchor component={Link} to={`/runs/${step.runId}`} size="sm" data-step-run={step.runId}>
                its run {step.runId}
              </Anchor>
            </>
          )}
        </Text>
      )}
      {step.kind === "input" && (
        <Stack gap={4}>
          {assignee && (
            <Text size="sm">
              Asked of {assignee}
              {step.expiresAt && open && (
                <Text span size="xs" c="dimmed">
                  {" "}
                  · expires <Time value={step.expiresAt} />
                </Text>
              )}
            </Text>
          )}
          {step.answeredBy && (
            <Text size="sm" data-answered-by>
              Answered by <strong>{step.answeredBy.name ?? step.answeredBy.id}</strong>{" "}
              <Time value={step.answeredAt} />
            </Text>
          )}
          {answer && typeof answer === "object" && (
            <ResultView value={answer} fileName={`${run.id}-${step.name}`} title="Answer" />
          )}
          {open && step.canAnswer && <HumanStepForm run={run} step={step} />}
          {open && !step.canAnswer && (
            <Text size="sm" c="dimmed">
              Waiting for {assignee ?? "its assignee"} to answer.
            </Text>
          )}
          {step.status === "waiting" && !open && (
            <Text size="sm" c="dimmed">
              Not answered: the runbook run is {run.status}.
            </Text>
          )}
        </Stack>
      )}
      {gate && <GateDecision run={run} step={step} approval={gate} />}
      {step.kind === "sleep" && step.wakeAt && (
        <Text size="sm">
          Waits until <Time value={step.wakeAt} />
        </Text>
      )}
      {step.kind === "step" && step.output !== null && step.output !== undefined && (
        <ResultView value={step.output} fileName={`${run.id}-${step.name}`} title="Output" />
      )}
      {step.error && (
        <Text size="sm" c="red.8" role="note">
          {step.error.message}{" "}
          <Text span size="xs" ff="monospace" c="dimmed">
            ({step.error.code})
          </Text>
        </Text>
      )}
    </Stack>
  );
}

export function StepTimeline({ run }: { run: RunbookRun }) {
  if (run.steps.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No step has started yet.
      </Text>
    );
  return (
    <Timeline active={run.steps.length - 1} bulletSize={22} lineWidth={2} aria-label="Steps">
      {run.steps.map((step) => (
        <Timeline.Item
          key={step.name}
          color={runbookStatusColor(step.status)}
          data-step={step.name}
          data-step-status={step.status}
          title={
            <Group gap="xs" wrap="wrap">
              <Text fw={600} size="sm">
                {step.title ?? step.name}
              </Text>
              <Badge size="xs" variant="default" radius="sm">
                {KIND[step.kind] ?? step.kind}
              </Badge>
              {step.title && (
                <Text span size="xs" ff="monospace" c="dimmed">
                  {step.name}
                </Text>
              )}
            </Group>
          }
        >
          <StepDetails run={run} step={step} />
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
