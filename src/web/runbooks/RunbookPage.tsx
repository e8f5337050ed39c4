// One runbook: what it does, the actions it runs, its start form (from its parameters' schema),
// and its recent runs. Starting opens the new run's live page.
import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Grid,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
} from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import type { RunbookPreview } from "../../api/runbooks.ts";
import type { ReviewerChoice } from "../../api/runs.ts";
import { newIdempotencyKey } from "../api/actions.ts";
import { useApi } from "../api/context.ts";
import { PageHeader, usePageTitle } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, PageLoader, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { GateReviewerChoice } from "./GateReviewerChoice.tsx";
import { RunbookStatusBadge } from "./RunbookStatusBadge.tsx";
import {
  previewRunbook,
  type RunbookSummary,
  runbookRunPath,
  startRunbook,
  useRunbookRuns,
  useRunbooks,
} from "./runbooks-api.ts";
import { SchemaForm } from "./SchemaForm.tsx";

function RecentRuns({ runbook }: { runbook: string }) {
  const runs = useRunbookRuns(runbook);
  if (runs.isPending) return <ListSkeleton rows={2} label="Loading recent runs" />;
  if (runs.isError) return <QueryError error={runs.error} what="Recent runs" />;
  if (runs.data.length === 0) return <Empty title="Not run yet" />;
  return (
    <Table fz="sm" verticalSpacing={6} aria-label="Recent runs">
      <Table.Tbody>
        {runs.data.map((run) => (
          <Table.Tr key={run.id}>
            <Table.Td>
              <Anchor component={Link} to={runbookRunPath(run.id)} size="sm" ff="monospace">
                {run.id}
              </Anchor>
              <Text size="xs" c="dimmed">
                {run.actor.name ?? run.actor.id} · <Time value={run.createdAt} />
              </Text>
            </Table.Td>
            <Table.Td ta="right">
              <RunbookStatusBadge status={run.status} size="sm" />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function StartForm({ runbook }: { runbook: RunbookSummary }) {
  const api = useApi();
  const navigate = useNavigate();
  const queries = useQueryClient();
  // One key per submission: a retried request after a dropped connection starts one run, not two.
  const key = useRef<string | null>(null);
  const [reason, setReason] = useState("");
  // Parameters that lead to gates whose reviewers the starter may pick: asked before starting.
  const [choosing, setChoosing] = useState<{
    params: Record<string, unknown>;
    gates: RunbookPreview["gates"];
  } | null>(null);
  async function start(params: Record<string, unknown>, gateReviewers?: Record<string, ReviewerChoice>) {
    key.current ??= newIdempotencyKey();
    const run = await startRunbook(api, runbook.name, params, key.current, reason, gateReviewers);
    key.current = null;
    void queries.invalidateQueries({ queryKey: ["runbook-runs", runbook.name] });
    navigate(runbookRunPath(run.id));
  }
  return (
    <Paper withBorder radius="md" p="lg">
      <Stack gap="md">
        <Text fw={600}>Start this runbook</Text>
        {/* Kept with the run (scrubbed of personal data) and shown as its "why". */}
        <Textarea
          label="Reason"
          description="Why you start it: kept with the run and in the audit trail."
          placeholder="e.g. Ticket FIN-1234: customer asked for a plan change"
          autosize
          minRows={1}
          maxLength={1_000}
          value={reason}
          disabled={!runbook.canRun}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <SchemaForm
          schema={runbook.paramsSchema}
          label={`${runbook.title} start form`}
          submitLabel="Start runbook"
          disabled={!runbook.canRun || choosing !== null}
          empty="This runbook takes no parameters."
          onSubmit={async (params) => {
            const { gates } = await previewRunbook(api, runbook.name, params);
            if (gates.length > 0) setChoosing({ params, gates });
            else await start(params);
          }}
        />
        {choosing && (
          <GateReviewerChoice
            runbook={runbook.name}
            gates={choosing.gates}
            onBack={() => setChoosing(null)}
            onStart={(gateReviewers) => start(choosing.params, gateReviewers)}
          />
        )}
        {!runbook.canRun && (
          <Alert color="gray" variant="light">
            You may see this runbook but not start it. Ask an admin for the “run” grant on it.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

export default function RunbookPage() {
  const { name = "" } = useParams();
  const runbooks = useRunbooks();
  const runbook = runbooks.data?.find((r) => r.name === name);
  usePageTitle(runbook?.title ?? "Runbook");
  if (runbooks.isPending) return <PageLoader label="Loading the runbook" />;
  if (runbooks.isError) return <QueryError error={runbooks.error} what="This runbook" />;
  if (!runbook)
    return (
      <Empty title="No such runbook">
        There is no runbook “{name}”, or you may not see it. <Link to="/">Back to the catalog</Link>
      </Empty>
    );
  return (
    <>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/">
          Actions
        </Anchor>
        <Text size="sm">{runbook.title}</Text>
      </Breadcrumbs>
      <PageHeader
        title={runbook.title}
        description={runbook.description}
        badges={
          <Badge color="violet" variant="light" radius="sm">
            Runbook
          </Badge>
        }
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <StartForm key={runbook.name} runbook={runbook} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="lg">
            <Paper withBorder radius="md" p="md">
              <Stack gap="sm">
                <Text fw={600} size="sm">
                  About this runbook
                </Text>
                <Text size="xs" c="dimmed">
                  <Text span ff="monospace" size="xs">
                    {runbook.name}
                  </Text>{" "}
                  · version {runbook.version.slice(0, 12)}
                </Text>
                <Text fw={600} size="sm" mt="xs">
                  Actions it runs
                </Text>
                {runbook.uses.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    None.
                  </Text>
                ) : (
                  <Group gap={6}>
                    {runbook.uses.map((action) => (
                      <Anchor
                        key={action}
                        component={Link}
                        to={`/actions/${action}`}
                        size="sm"
                        ff="monospace"
                      >
                        {action}
                      </Anchor>
                    ))}
                  </Group>
                )}
                <Text size="xs" c="dimmed">
                  Each step runs as you, through the same permissions and approvals as running the action
                  yourself.
                </Text>
              </Stack>
            </Paper>
            <Paper withBorder radius="md" p="md">
              <Text fw={600} size="sm" mb="xs">
                Recent runs
              </Text>
              <RecentRuns runbook={runbook.name} />
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}
