import { Alert, Anchor, Breadcrumbs, Grid, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { useAction } from "../api/actions.ts";
import { useApproval } from "../api/approvals.ts";
import { isFinal, useRun } from "../api/runs.ts";
import { canRevealClass, useCurrentUser } from "../api/session.ts";
import { BatchLink } from "../bulk/BatchLink.tsx";
import { BulkRowsLink } from "../bulk/BulkRowsLink.tsx";
import { SaveQueryButton } from "../bulk/SaveQueryButton.tsx";
import { StatusBadge } from "../components/Badges.tsx";
import { CopyText } from "../components/CopyText.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { CurrencyContext, currencyOf, DEFAULT_CURRENCY } from "../result/currency-context.ts";
import { ParamsView } from "../result/ParamsView.tsx";
import { ResultView } from "../result/ResultView.tsx";
import { RevealAllButton } from "../result/RevealAll.tsx";
import { piiPathsOf } from "../result/result-shape.ts";
import { RevealContext } from "../result/reveal-context.ts";
import { prefilledFormPath } from "../result/row-actions.ts";
import { OutcomeUnknownNotice } from "./OutcomeUnknownNotice.tsx";
import { RunAuditEvents } from "./RunAuditEvents.tsx";
import { RunLogs } from "./RunLogs.tsx";
import { SixQuestions } from "./SixQuestions.tsx";

export default function RunPage() {
  const { id = "" } = useParams();
  const me = useCurrentUser();
  const run = useRun(id, { poll: true });
  const action = useAction(run.data?.action ?? "");
  const approvalId = run.data?.approvalRequestId ?? "";
  const approval = useApproval(approvalId);

  if (run.isPending) return <PageLoader label="Loading the run" />;
  if (run.isError) return <QueryError error={run.error} what="This run" />;
  const r = run.data;
  const outputSchema = action.data?.outputSchema ?? null;
  const scope = (section: "result" | "params") => ({
    runId: r.id,
    section,
    piiPaths: piiPathsOf(section === "result" ? outputSchema : action.data?.paramsSchema),
    canReveal: (piiClass: string) => canRevealClass(me, piiClass, r.action),
  });
  const changed =
    r.accountability?.changed ??
    (approval.data?.run && ("snapshotBefore" in approval.data.run || "snapshotAfter" in approval.data.run)
      ? {
          before: (approval.data.run as { snapshotBefore?: unknown }).snapshotBefore,
          after: (approval.data.run as { snapshotAfter?: unknown }).snapshotAfter,
        }
      : null);

  return (
    <>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/runs">
          Runs
        </Anchor>
        <Text size="sm" ff="monospace">
          {r.id}
        </Text>
      </Breadcrumbs>
      <PageHeader
        title={action.data?.title ?? r.action}
        description={
          <>
            Run <CopyText value={r.id} label="run ID" size="xs" truncate /> · started{" "}
            <Time value={r.createdAt} />
            {r.finishedAt && (
              <>
                {" "}
                · finished <Time value={r.finishedAt} />
              </>
            )}
          </>
        }
        badges={<StatusBadge status={r.status} />}
      >
        <BatchLink run={r} />
        {action.data?.permissions.run && (
          <Anchor component={Link} to={prefilledFormPath(r.action, r.params ?? {})} size="sm">
            Run this action again
          </Anchor>
        )}
      </PageHeader>
      {/* Amounts in the run's currency: its result names it (a credit to a EUR account). */}
      <CurrencyContext value={currencyOf(r.result) ?? DEFAULT_CURRENCY}>
        <Stack gap="lg">
          <OutcomeUnknownNotice run={r} />
          {r.error && (
            <Alert color="red" variant="light" title="The run failed" role="alert">
              <Text size="sm">{r.error.message}</Text>
              <Text size="xs" ff="monospace">
                {r.error.code}
              </Text>
            </Alert>
          )}
          {!isFinal(r.status) && (
            <Alert
              color="yellow"
              variant="light"
              title={r.status === "pending_approval" ? "Waiting for approval" : "In progress"}
            >
              This page updates by itself.
            </Alert>
          )}
          <SixQuestions run={r} approval={approval.data ?? null} changed={changed} />
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Paper withBorder radius="md" p="md" component="section" aria-labelledby="run-params">
                <Title order={2} size="h4" id="run-params" mb="sm">
                  Parameters
                </Title>
                {r.reason && (
                  <Text size="sm" mb="sm">
                    Reason: “{r.reason}”
                  </Text>
                )}
                <RevealContext value={scope("params")}>
                  <ParamsView params={r.params} schema={action.data?.paramsSchema} />
                </RevealContext>
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Paper withBorder radius="md" p="md" component="section" aria-labelledby="run-result">
                <Group justify="space-between" mb="sm" gap="xs">
                  <Title order={2} size="h4" id="run-result">
                    Result
                  </Title>
                  <RevealAllButton
                    run={r}
                    paramsSchema={action.data?.paramsSchema ?? null}
                    outputSchema={outputSchema}
                  />
                </Group>
                {r.status === "succeeded" ? (
                  <RevealContext value={scope("result")}>
                    <ResultView
                      value={r.result}
                      fileName={`${r.action}-${r.id}`}
                      outputSchema={action.data?.outputSchema ?? null}
                    />
                    <BulkRowsLink runId={r.id} result={r.result} />
                    <SaveQueryButton action={action.data} params={r.params} />
                  </RevealContext>
                ) : (
                  <Group>
                    <Text size="sm" c="dimmed">
                      No result ({r.status.replaceAll("_", " ")}).
                    </Text>
                  </Group>
                )}
              </Paper>
            </Grid.Col>
          </Grid>
          <RunLogs runId={r.id} final={isFinal(r.status)} />
          <RunAuditEvents runId={r.id} accountability={r.accountability} />
        </Stack>
      </CurrencyContext>
    </>
  );
}
