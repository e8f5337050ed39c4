import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { ApprovalDetail } from "../../api/approvals.ts";
import type { GrantRef, Run } from "../../api/runs.ts";
import type { RunOnPage } from "../api/runs.ts";
import { useCurrentUser } from "../api/session.ts";
import { CopyText } from "../components/CopyText.tsx";
import { Time } from "../components/Time.tsx";
import { DiffView } from "./DiffView.tsx";

function Question({ n, title, children }: { n: number; title: string; children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`q${n}`}>
      <Text id={`q${n}`} size="xs" tt="uppercase" fw={700} c="dimmed" mb={6} style={{ letterSpacing: 0.4 }}>
        {n}. {title}
      </Text>
      {children}
    </Paper>
  );
}

function grantText(grant: GrantRef): string {
  const verbs = grant.verbs.join(", ");
  const who = `${grant.subjectKind} ${grant.subject}`;
  const source = grant.source === "config" ? "in code" : "added by an admin";
  return `${who}: ${verbs} on ${grant.on} (${source})`;
}

function Ids({ run }: { run: Run }) {
  const ids: [string, string | null][] = [
    ["Request", run.requestId],
    ["Execution request", run.executionRequestId],
    ["Parent request", run.parentRequestId],
    ["Idempotency key", run.idempotencyKey],
  ];
  return (
    <Stack gap={4}>
      {ids
        .filter(([, v]) => v)
        .map(([label, v]) => (
          <Group key={label} gap={6} wrap="nowrap">
            <Text size="xs" c="dimmed" w={110}>
              {label}
            </Text>
            <CopyText value={v!} label={`${label.toLowerCase()} ID`} size="xs" truncate />
          </Group>
        ))}
    </Stack>
  );
}

/** The run page's core: who, what target, allowed by, approved by, what changed, which requests. */
export function SixQuestions({
  run,
  approval,
  changed,
}: {
  run: RunOnPage;
  approval: ApprovalDetail | null;
  changed: { before: unknown; after: unknown } | null;
}) {
  const me = useCurrentUser();
  const acc = run.accountability;
  const grant = acc?.allowedBy?.grant;
  const grants = grant ? [grant] : [];
  const roles = acc?.allowedBy?.roles ?? [];
  const decisions = approval?.decisions ?? acc?.approval.decisions ?? [];
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Question n={1} title="Who">
          <Text size="sm" fw={600} data-run-actor>
            {acc?.who.actor?.name ??
              (approval?.requester.id === run.actorId ? approval.requester.name : null) ??
              (me.user.id === run.actorId ? me.user.name : run.actorId)}
          </Text>
          <Text size="xs" c="dimmed">
            {run.actorId} · via {run.channel} · <Time value={run.createdAt} />
          </Text>
          {run.onBehalfOf && <Text size="xs">On behalf of {run.onBehalfOf}</Text>}
          {acc?.elevation && (
            <Group gap={6} mt={4} data-run-elevation>
              <Badge color="red" variant="light" radius="sm">
                Break-glass
              </Badge>
              <Text size="xs">
                As the emergency role {acc.elevation.role}: “{acc.elevation.reason}” (until{" "}
                <Time value={acc.elevation.endsAt} />)
              </Text>
            </Group>
          )}
        </Question>
        <Question n={2} title="Target">
          {run.target ? (
            <Group gap={6}>
              <Badge variant="default" radius="sm">
                {run.target.type}
              </Badge>
              <CopyText value={run.target.id} label="target ID" />
              <Anchor
                component={Link}
                size="xs"
                to={`/runs?${new URLSearchParams({ targetType: run.target.type, targetId: run.target.id })}`}
              >
                Other runs on it
              </Anchor>
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              This action names no target.
            </Text>
          )}
          {acc && (
            <Text size="xs" c="dimmed" mt={4}>
              Ran on version{" "}
              <Anchor
                component={Link}
                to={`/actions/${encodeURIComponent(acc.target.action)}#version-${acc.target.version}`}
                data-run-version={acc.target.version}
                // Inside dimmed text a link must not rely on colour alone (WCAG 1.4.1).
                underline="always"
              >
                {acc.target.version}
              </Anchor>{" "}
              of {acc.target.action}
            </Text>
          )}
        </Question>
        <Question n={3} title="Allowed by">
          {grants.length > 0 ? (
            grants.map((g, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: grants have no stable id here
              <Text key={i} size="sm" data-allowed-by>
                {grantText(g)}
              </Text>
            ))
          ) : (
            <Text size="sm" c="dimmed">
              The grant that allowed it is in the run's audit events below.
            </Text>
          )}
          {roles.length > 0 && (
            <Text size="xs" c="dimmed">
              Roles held: {roles.join(", ")}
            </Text>
          )}
        </Question>
        <Question n={4} title="Approval">
          {!run.approvalRequestId ? (
            <Text size="sm" c="dimmed">
              No approval was needed.
            </Text>
          ) : (
            <Stack gap={6}>
              <Group gap={6}>
                <Text size="sm">Requested by {approval?.requester.name ?? run.actorId}</Text>
                <Anchor component={Link} to={`/approvals/${run.approvalRequestId}`} size="xs">
                  Open the request
                </Anchor>
              </Group>
              {decisions.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No decision yet.
                </Text>
              ) : (
                decisions.map((d) => (
                  <Text key={`${d.reviewer.id}:${d.decision}`} size="sm" data-approver>
                    <strong>{d.reviewer.name ?? d.reviewer.id}</strong>{" "}
                    {d.decision === "approve"
                      ? "approved"
                      : d.decision === "reject"
                        ? "rejected"
                        : d.decision}
                    {d.reason ? ` — “${d.reason}”` : ""}{" "}
                    <Text span size="xs" c="dimmed">
                      <Time value={"decidedAt" in d ? d.decidedAt : d.at} />
                    </Text>
                  </Text>
                ))
              )}
            </Stack>
          )}
        </Question>
      </SimpleGrid>
      <Question n={5} title="What changed">
        <DiffView before={changed?.before} after={changed?.after} />
      </Question>
      <Question n={6} title="Request IDs (search the logs with these)">
        <Ids run={run} />
      </Question>
    </Stack>
  );
}
