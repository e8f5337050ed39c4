// Policy what-if: an admin or auditor drafts another condition, reviewers or quorum for a policy
// and sees what the last N days of runs would have looked like under it. Nothing changes here; the
// report says how to make a change (a code change, or a mode switch held for a second admin).
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import type { WhatIfReport } from "../../api/policies.ts";
import { useAction } from "../api/actions.ts";
import { type PolicyRow, useAdminGroups } from "../api/admin.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";

type Mode = "current" | "all" | "any" | "always";
interface Row {
  param: string;
  op: string;
  value: string;
}

const OPS = [
  { value: "gt", label: "is more than" },
  { value: "gte", label: "is at least" },
  { value: "lt", label: "is less than" },
  { value: "lte", label: "is at most" },
  { value: "eq", label: "equals" },
  { value: "ne", label: "does not equal" },
  { value: "in", label: "is one of (comma-separated)" },
  { value: "present", label: "is filled in" },
  { value: "absent", label: "is empty" },
];

const CATEGORY_LABEL: Record<string, string> = {
  newly_gated: "Would now need approval",
  no_longer_gated: "Would no longer need approval",
  unknown: "Cannot tell",
};

// Numbers as numbers (a money field is in minor units, as the action receives it); "true"/"false"
// as booleans; anything else as text.
function typed(text: string): string | number | boolean {
  const trimmed = text.trim();
  if (trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  return trimmed;
}

function draftOf(mode: Mode, rows: Row[], groups: string[] | null, quorum: number | null) {
  const conditions = rows
    .filter((r) => r.param !== "")
    .map((r) =>
      r.op === "present" || r.op === "absent"
        ? { param: r.param, op: r.op }
        : r.op === "in"
          ? { param: r.param, op: r.op, value: r.value.split(",").map(typed) }
          : { param: r.param, op: r.op, value: typed(r.value) },
    );
  return {
    ...(mode === "always" ? { when: "always" } : mode === "current" ? {} : { when: { [mode]: conditions } }),
    ...(groups ? { reviewers: { groups } } : {}),
    ...(quorum ? { quorum } : {}),
  };
}

export function WhatIfModal({ policy, onClose }: { policy: PolicyRow | null; onClose: () => void }) {
  const api = useApi();
  const action = useAction(policy?.action ?? "");
  const groups = useAdminGroups();
  const [mode, setMode] = useState<Mode>("all");
  const [rows, setRows] = useState<Row[]>([{ param: "", op: "gt", value: "" }]);
  const [reviewerGroups, setReviewerGroups] = useState<string | null>(null);
  const [quorum, setQuorum] = useState<number | null>(null);
  const [days, setDays] = useState<number>(30);
  const [report, setReport] = useState<WhatIfReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const properties = Object.keys(
    ((action.data?.paramsSchema as { properties?: Record<string, unknown> } | undefined)?.properties ??
      {}) as object,
  );

  function close() {
    setReport(null);
    setError(null);
    onClose();
  }

  async function replay(event: FormEvent) {
    event.preventDefault();
    if (!policy) return;
    setBusy(true);
    setError(null);
    try {
      const draft = draftOf(mode, rows, reviewerGroups ? [reviewerGroups] : null, quorum);
      const response = await api.send<WhatIfReport>(
        "POST",
        `/api/v1/policies/${encodeURIComponent(policy.name)}/what-if`,
        { action: policy.action, days, draft },
      );
      setReport(response.data);
    } catch (e) {
      setError(e);
      setReport(null);
    } finally {
      setBusy(false);
    }
  }

  const setRow = (i: number, patch: Partial<Row>) =>
    setRows((all) => all.map((row, j) => (j === i ? { ...row, ...patch } : row)));

  return (
    <Modal opened={policy !== null} onClose={close} size="xl" title={`What if: ${policy?.name ?? ""}`}>
      <form onSubmit={replay} noValidate aria-label="Policy draft">
        <Stack gap="md">
          <Text size="sm">
            Replays the last days of <b>{policy?.actionTitle}</b> runs against a draft of this policy. Nothing
            changes: a new condition is a code change, and a mode switch is held for a second admin.
          </Text>
          <SegmentedControl
            value={mode}
            onChange={(v) => setMode(v as Mode)}
            aria-label="Draft condition"
            data={[
              { value: "all", label: "All of" },
              { value: "any", label: "Any of" },
              { value: "always", label: "Every run" },
              { value: "current", label: "Keep the condition" },
            ]}
          />
          {(mode === "all" || mode === "any") &&
            rows.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
              <Group key={i} gap="xs" align="flex-end" wrap="nowrap">
                <Select
                  label="Parameter"
                  data={properties}
                  value={row.param || null}
                  onChange={(v) => setRow(i, { param: v ?? "" })}
                  searchable
                  w={180}
                />
                <Select
                  label="Test"
                  data={OPS}
                  value={row.op}
                  onChange={(v) => setRow(i, { op: v ?? "gt" })}
                  w={220}
                  allowDeselect={false}
                />
                {row.op !== "present" && row.op !== "absent" && (
                  <TextInput
                    label="Value"
                    description={i === 0 ? "Amounts in minor units (cents)" : undefined}
                    value={row.value}
                    onChange={(e) => setRow(i, { value: e.currentTarget.value })}
                    style={{ flex: 1 }}
                  />
                )}
              </Group>
            ))}
          {(mode === "all" || mode === "any") && (
            <Group>
              <Button
                variant="subtle"
                size="compact-sm"
                onClick={() => setRows((all) => [...all, { param: "", op: "gt", value: "" }])}
              >
                Add a test
              </Button>
            </Group>
          )}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Reviewer group"
              description="Empty: keep the policy's reviewers"
              data={(groups.data?.groups ?? []).map((g) => g.name)}
              value={reviewerGroups}
              onChange={setReviewerGroups}
              clearable
              searchable
            />
            <NumberInput
              label="Quorum"
              description="Empty: keep it"
              min={1}
              max={10}
              value={quorum ?? ""}
              onChange={(v) => setQuorum(typeof v === "number" ? v : null)}
            />
            <NumberInput
              label="Days to replay"
              min={1}
              max={365}
              value={days}
              onChange={(v) => setDays(typeof v === "number" ? v : 30)}
            />
          </SimpleGrid>
          {error !== null && <ErrorNotice error={error} title="Draft not replayed" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Close
            </Button>
            <Button type="submit" loading={busy}>
              Replay the draft
            </Button>
          </Group>
        </Stack>
      </form>
      {report && <WhatIfResult report={report} />}
    </Modal>
  );
}

function WhatIfResult({ report }: { report: WhatIfReport }) {
  const t = report.totals;
  const names = (people: { name: string }[]) => people.map((p) => p.name).join(", ") || "nobody";
  return (
    <Stack gap="sm" mt="lg" data-what-if-result aria-live="polite">
      <Text fw={600}>
        {t.runs} run{t.runs === 1 ? "" : "s"} in the last {report.days} days
        {report.truncated ? " (the newest only)" : ""}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Paper withBorder p="sm" radius="md">
          <Text size="xs" c="dimmed">
            Now ({report.current.condition})
          </Text>
          <Text size="lg" fw={600} data-gated-now>
            {t.gatedNow} need approval
          </Text>
          <Text size="xs">Could approve: {names(report.current.eligibleReviewers)}</Text>
        </Paper>
        <Paper withBorder p="sm" radius="md">
          <Text size="xs" c="dimmed">
            Draft ({report.draft.condition})
          </Text>
          <Text size="lg" fw={600} data-gated-draft>
            {t.gatedDraft} would need approval
          </Text>
          <Text size="xs">Could approve: {names(report.draft.eligibleReviewers)}</Text>
        </Paper>
      </SimpleGrid>
      <Group gap="xs">
        <Badge variant="light" color="orange">
          {t.newly_gated} newly gated
        </Badge>
        <Badge variant="light" color="teal">
          {t.no_longer_gated} no longer gated
        </Badge>
        <Badge variant="light" color="gray">
          {t.still_gated + t.still_free} unchanged
        </Badge>
        {t.unknown > 0 && (
          <Badge variant="light" color="gray">
            {t.unknown} cannot tell
          </Badge>
        )}
      </Group>
      {t.noQuorumPossible > 0 && (
        <Alert color="red" variant="light" title="Reviewers cannot reach the quorum">
          {t.noQuorumPossible} gated run{t.noQuorumPossible === 1 ? "" : "s"} could not be approved by enough
          people other than the requester.
        </Alert>
      )}
      {report.changed.length > 0 && (
        <Table fz="sm" aria-label="Runs that change category">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Run</Table.Th>
              <Table.Th>Requested by</Table.Th>
              <Table.Th>Under the draft</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.changed.map((c) => (
              <Table.Tr key={c.runId} data-changed-run={c.runId}>
                <Table.Td>
                  <a href={`/runs/${c.runId}`}>{c.runId}</a>
                  <Text size="xs" c="dimmed" title={c.createdAt}>
                    {new Date(c.createdAt).toLocaleString()}
                  </Text>
                </Table.Td>
                <Table.Td>{c.requester.name ?? c.requester.id}</Table.Td>
                <Table.Td>{CATEGORY_LABEL[c.category] ?? c.category}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
