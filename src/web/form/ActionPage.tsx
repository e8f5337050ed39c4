import { Anchor, Badge, Box, Breadcrumbs, Grid, Group, Paper, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import type { ActionDetail } from "../../api/actions.ts";
import { useAction } from "../api/actions.ts";
import { ApprovalBadge, RiskBadge } from "../components/Badges.tsx";
import { PageHeader, usePageTitle } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { ActionVersions } from "../governance/ActionVersions.tsx";
import { Reviewers } from "../result/Reviewers.tsx";
import { RunOutcome } from "../result/RunOutcome.tsx";
import { ActionForm } from "./ActionForm.tsx";
import type { Outcome } from "./useRunSubmission.ts";

function AboutAction({ action }: { action: ActionDetail }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Text fw={600} size="sm">
          About this action
        </Text>
        <Text size="xs" c="dimmed">
          <Text span ff="monospace" size="xs">
            {action.name}
          </Text>{" "}
          · version {action.version.slice(0, 12)} ·{" "}
          {action.execution === "inline" ? "runs at once" : "runs on a worker"}
        </Text>
        {action.tags.length > 0 && (
          <Group gap={4}>
            {action.tags.map((t) => (
              <Badge key={t} size="xs" variant="default" radius="sm">
                {t}
              </Badge>
            ))}
          </Group>
        )}
        <Text fw={600} size="sm" mt="xs">
          Approval
        </Text>
        {action.approval.policies.length === 0 ? (
          <Text size="sm" c="dimmed">
            Runs without approval.
          </Text>
        ) : (
          action.approval.policies.map((p) => (
            <Stack key={p.name} gap={4}>
              <Text size="sm">
                {p.description ??
                  (p.conditional ? "Needs approval in some cases." : "Always needs approval.")}
                {p.mode === "monitor" && " (monitoring only: recorded, not enforced)"}
              </Text>
              <Reviewers reviewers={p.reviewers} quorum={p.quorum} />
            </Stack>
          ))
        )}
        <Anchor component={Link} to={`/runs?action=${action.name}`} size="sm" mt="xs">
          Past runs of this action
        </Anchor>
      </Stack>
    </Paper>
  );
}

export default function ActionPage() {
  const { name = "" } = useParams();
  const action = useAction(name);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // `?accountId=acc_…` fills the form (row actions, "Run this action again").
  const [search] = useSearchParams();
  const prefill = Object.fromEntries(search.entries());
  usePageTitle(action.data?.title ?? "Action");

  if (action.isPending) return <PageLoader label="Loading the action" />;
  if (action.isError) return <QueryError error={action.error} what="This action" />;
  const a = action.data;
  return (
    <>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/">
          Actions
        </Anchor>
        <Text size="sm">{a.title}</Text>
      </Breadcrumbs>
      <PageHeader
        title={a.title}
        description={a.description}
        badges={
          <>
            <RiskBadge risk={a.risk} />
            {a.approval.mayBeRequired && <ApprovalBadge />}
          </>
        }
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="lg">
            <ActionForm
              key={`${a.name}?${search.toString()}`}
              action={a}
              onOutcome={setOutcome}
              prefill={prefill}
            />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="lg">
            <AboutAction action={a} />
            <ActionVersions name={a.name} />
          </Stack>
        </Grid.Col>
      </Grid>
      {/* The outcome uses the page's full width: result tables are often wide. */}
      {outcome && (
        <Box mt="lg">
          <RunOutcome
            key={outcome.key + (outcome.kind === "run" ? outcome.run.id : "")}
            outcome={outcome}
            action={a}
          />
        </Box>
      )}
    </>
  );
}
