import {
  Anchor,
  Badge,
  Breadcrumbs,
  Grid,
  Group,
  Paper,
  Progress,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { Link, useParams } from "react-router";
import type { ApprovalDetail } from "../../api/approvals.ts";
import { useAction } from "../api/actions.ts";
import { useApproval } from "../api/approvals.ts";
import { canRevealClass, useCurrentUser } from "../api/session.ts";
import { RiskBadge, StatusBadge } from "../components/Badges.tsx";
import { CopyText } from "../components/CopyText.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { CurrencyContext, currencyOf, DEFAULT_CURRENCY } from "../result/currency-context.ts";
import { ParamsView } from "../result/ParamsView.tsx";
import { ResultView } from "../result/ResultView.tsx";
import { Reviewers } from "../result/Reviewers.tsx";
import { piiPathsOf } from "../result/result-shape.ts";
import { RevealContext } from "../result/reveal-context.ts";
import { DecisionPanel } from "./DecisionPanel.tsx";

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={id}>
      <Title order={2} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

function Policies({
  approval,
  descriptions,
}: {
  approval: ApprovalDetail;
  descriptions: Map<string, string>;
}) {
  return (
    <Stack gap="md">
      {approval.policies.map((p) => (
        <Stack key={p.name} gap={4}>
          <Group justify="space-between">
            <Text size="sm" fw={500}>
              {p.because ?? descriptions.get(p.name) ?? p.name}
            </Text>
            <Text size="sm">
              {p.approvals} of {p.quorum} {p.satisfied ? "(met)" : "(not yet met)"}
            </Text>
          </Group>
          <Progress
            value={(Math.min(p.approvals, p.quorum) / p.quorum) * 100}
            color={p.satisfied ? "teal" : "navy"}
            aria-label={`${p.approvals} of ${p.quorum} approvals`}
          />
          <Reviewers reviewers={p.reviewers} quorum={p.quorum} />
        </Stack>
      ))}
      {approval.decisions.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Decisions
          </Text>
          {approval.decisions.map((d) => (
            <Text key={`${d.reviewer.id}:${d.decision}`} size="sm" data-decision>
              <strong>{d.reviewer.name ?? d.reviewer.id}</strong>{" "}
              {d.decision === "approve" ? "approved" : d.decision === "reject" ? "rejected" : d.decision} via{" "}
              {d.channel}
              {d.reason ? ` — “${d.reason}”` : ""} ·{" "}
              <Text span size="xs" c="dimmed">
                <Time value={d.decidedAt} />
              </Text>
            </Text>
          ))}
        </Stack>
      )}
    </Stack>
  );
}

function RecentRuns({ approval }: { approval: ApprovalDetail }) {
  if (approval.recentRuns.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No other runs on this target that you may see.
      </Text>
    );
  return (
    <Table fz="sm" verticalSpacing={4} aria-label="Recent runs on the target">
      <Table.Tbody>
        {approval.recentRuns.map((r) => (
          <Table.Tr key={r.id}>
            <Table.Td>
              <Anchor component={Link} to={`/runs/${r.id}`} size="sm">
                <Time value={r.createdAt} />
              </Anchor>
            </Table.Td>
            <Table.Td ff="monospace">{r.action}</Table.Td>
            <Table.Td>{r.actor.name ?? r.actor.id}</Table.Td>
            <Table.Td>
              <StatusBadge status={r.status} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function TargetState({ approval }: { approval: ApprovalDetail }) {
  const state = approval.targetState as { available?: boolean; state?: unknown; reason?: string } | null;
  if (!state)
    return (
      <Text size="sm" c="dimmed">
        This action does not describe its target.
      </Text>
    );
  if (state.available === false)
    return (
      <Text size="sm" c="dimmed">
        {state.reason ?? "The target's current state could not be loaded."}
      </Text>
    );
  return (
    <ResultView
      value={state.state ?? null}
      fileName={`${approval.action.name}-target`}
      title="Current state"
    />
  );
}

export default function ApprovalPage() {
  const { id = "" } = useParams();
  const me = useCurrentUser();
  const approval = useApproval(id);
  const action = useAction(approval.data?.action.name ?? "");
  if (approval.isPending) return <PageLoader label="Loading the request" />;
  if (approval.isError) return <QueryError error={approval.error} what="This approval request" />;
  const a = approval.data;
  const paramsScope = {
    runId: a.run.id,
    section: "params" as const,
    piiPaths: piiPathsOf(action.data?.paramsSchema),
    canReveal: (piiClass: string) => canRevealClass(me, piiClass, a.action.name),
  };
  return (
    <>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/approvals">
          Approvals
        </Anchor>
        <Text size="sm" ff="monospace">
          {a.id}
        </Text>
      </Breadcrumbs>
      <PageHeader
        title={a.action.title}
        description={
          <>
            Requested by <strong>{a.requester.name ?? a.requester.id}</strong> · <Time value={a.createdAt} />{" "}
            · expires <Time value={a.expiresAt} />
          </>
        }
        badges={
          <>
            <StatusBadge status={a.status} />
            <RiskBadge risk={a.action.risk} />
          </>
        }
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <Section id="request-values" title="What would run">
              {a.reason && (
                <Text size="sm" mb="sm" data-request-reason>
                  Requester's reason: “{a.reason}”
                </Text>
              )}
              {a.target && (
                <Group gap={6} mb="sm">
                  <Text size="sm">Target</Text>
                  <Badge variant="default" radius="sm">
                    {a.target.type}
                  </Badge>
                  <Text size="sm" ff="monospace">
                    {a.target.id}
                  </Text>
                </Group>
              )}
              <RevealContext value={paramsScope}>
                {/* The amount asked for is in the target's currency, which its current state names. */}
                <CurrencyContext
                  value={currencyOf((a.targetState as { state?: unknown } | null)?.state) ?? DEFAULT_CURRENCY}
                >
                  <ParamsView params={a.params} schema={action.data?.paramsSchema} />
                </CurrencyContext>
              </RevealContext>
            </Section>
            <DecisionPanel approval={a} />
            <Section id="request-policies" title="Who must approve">
              <Policies
                approval={a}
                descriptions={
                  new Map(
                    (action.data?.approval.policies ?? []).flatMap((p) =>
                      p.description ? [[p.name, p.description]] : [],
                    ),
                  )
                }
              />
              {a.chosenReviewers && (
                <Text size="sm" mt="xs" data-chosen-reviewers>
                  The requester asked only{" "}
                  {[
                    ...a.chosenReviewers.users.map((u) => u.name),
                    ...a.chosenReviewers.groups.map((g) => `group ${g}`),
                  ].join(", ")}
                  : no one else may decide.
                </Text>
              )}
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <Section id="request-run" title="The run">
              <Stack gap={6}>
                <Group gap={6}>
                  <StatusBadge status={a.run.status} />
                  <Anchor component={Link} to={`/runs/${a.run.id}`} size="sm">
                    Open the run
                  </Anchor>
                </Group>
                <Group gap={6}>
                  <Text size="xs" c="dimmed">
                    Request ID
                  </Text>
                  <CopyText value={a.run.requestId} label="request ID" size="xs" />
                </Group>
                {a.run.executionRequestId && (
                  <Group gap={6}>
                    <Text size="xs" c="dimmed">
                      Execution request ID
                    </Text>
                    <CopyText value={a.run.executionRequestId} label="execution request ID" size="xs" />
                  </Group>
                )}
                {a.run.error && (
                  <Text size="sm" c="red.8">
                    {a.run.error.message}
                  </Text>
                )}
              </Stack>
            </Section>
            <Section id="target-state" title="Target now">
              <TargetState approval={a} />
            </Section>
            <Section id="recent-runs" title="Recent runs on the target">
              <RecentRuns approval={a} />
            </Section>
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}
