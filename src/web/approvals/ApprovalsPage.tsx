import { Anchor, Badge, Paper, ScrollArea, Table, Tabs, Text } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import type { ApprovalSummary } from "../../api/approvals.ts";
import { type InboxTab, useApproval, useApprovalCount, useApprovals } from "../api/approvals.ts";
import { useCurrentUser } from "../api/session.ts";
import { StatusBadge } from "../components/Badges.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { ChangeRequestsPanel } from "../governance/ChangeRequestsPanel.tsx";
import { currencyOf, DEFAULT_CURRENCY } from "../result/currency-context.ts";
import { formatField, isMinorUnitsKey, labelOf } from "../result/result-shape.ts";
import { RunbookInputsSection } from "../runbooks/RunbookInputsSection.tsx";
import { runbookRunPath } from "../runbooks/runbooks-api.ts";

const TABS: { value: InboxTab; label: string; empty: string }[] = [
  { value: "pending", label: "Waiting for me", empty: "Nothing is waiting for your decision." },
  { value: "mine", label: "My requests", empty: "You have not requested anything that needed approval." },
  { value: "decided", label: "Decided by me", empty: "You have not decided on any request yet." },
];

function paramsPreview(params: Record<string, unknown> | null, currency: string): string {
  if (!params) return "—";
  return Object.entries(params)
    .slice(0, 3)
    .map(([k, v]) => `${labelOf(k)}: ${formatField(k, v, currency)}`)
    .join(" · ");
}

/**
 * A request's values with amounts in their currency. The parameters rarely name it (a credit to
 * an account), the target's current state does: for a request with an amount, the approval's
 * detail (which the reviewer opens next anyway, so it is cached) supplies it. Until it arrives the
 * amounts wait rather than show a "$" that may be wrong.
 */
function ValuesPreview({ approval }: { approval: ApprovalSummary }) {
  const params = approval.params;
  const stated = currencyOf(params);
  const hasAmount = Object.keys(params ?? {}).some((k) => isMinorUnitsKey(k));
  const detail = useApproval(hasAmount && !stated ? approval.id : "");
  const described = currencyOf((detail.data?.targetState as { state?: unknown } | null)?.state);
  const currency = stated ?? described ?? (hasAmount && detail.isPending ? null : DEFAULT_CURRENCY);
  return (
    <Text size="xs" lineClamp={2}>
      {currency === null ? "…" : paramsPreview(params, currency)}
    </Text>
  );
}

/** A runbook's gate is decided on its runbook run's page, a bulk batch on the batch's page. */
function rowLink(a: ApprovalSummary): string {
  if (a.kind === "runbook_gate") return runbookRunPath(a.runbookRunId);
  if (a.kind === "bulk") return `/bulk/${encodeURIComponent(a.batchId)}`;
  return `/approvals/${a.id}`;
}

function ApprovalList({ tab }: { tab: (typeof TABS)[number] }) {
  const approvals = useApprovals(tab.value);
  if (approvals.isPending) return <ListSkeleton rows={4} label="Loading requests" />;
  if (approvals.isError) return <QueryError error={approvals.error} what="The approvals inbox" />;
  const rows = approvals.data.approvals;
  if (rows.length === 0) return <Empty title={tab.empty} />;
  return (
    <Paper withBorder radius="md">
      <ScrollArea type="auto">
        <Table highlightOnHover verticalSpacing="sm" fz="sm" aria-label={tab.label}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Request</Table.Th>
              <Table.Th>Requested by</Table.Th>
              <Table.Th>Values</Table.Th>
              <Table.Th w={200}>Status</Table.Th>
              <Table.Th>Expires</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr key={a.id} data-approval-row={a.id} data-approval-kind={a.kind}>
                <Table.Td>
                  <Anchor component={Link} to={rowLink(a)} fw={600} size="sm">
                    {a.kind === "runbook_gate" ? `Approve “${a.step}”` : (a.actionTitle ?? a.action)}
                  </Anchor>
                  {a.kind === "runbook_gate" && (
                    <Text size="xs" c="dimmed">
                      Runbook gate · {a.actionTitle ?? a.action}
                    </Text>
                  )}
                  {a.kind === "bulk" && (
                    <Text size="xs" c="dimmed">
                      Bulk batch · {a.batchId}
                    </Text>
                  )}
                  {a.target && (
                    <Text size="xs" c="dimmed" ff="monospace">
                      {a.target.type}:{a.target.id}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {a.requester.name}
                  {a.reason && (
                    <Text size="xs" c="dimmed" lineClamp={1}>
                      “{a.reason}”
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <ValuesPreview approval={a} />
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={a.status} />
                  {a.myDecision && (
                    <Badge size="xs" variant="default" ml={4}>
                      you: {a.myDecision.decision}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td style={{ whiteSpace: "nowrap" }}>
                  <Time value={a.expiresAt} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Paper>
  );
}

export default function ApprovalsPage() {
  const [params, setParams] = useSearchParams();
  const count = useApprovalCount();
  const me = useCurrentUser();
  // Someone who may approve nothing never finds anything "waiting for me": start on their requests.
  // A runbook's reviewer may approve no action yet have gates waiting: the count says so.
  const approver = (me.permissions?.actions.approve.length ?? 0) > 0 || (count.data?.pending ?? 0) > 0;
  const fallback: InboxTab = approver ? "pending" : "mine";
  const current = (TABS.find((t) => t.value === params.get("tab"))?.value ?? fallback) as InboxTab;
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Requests held for a second person. You never decide on your own requests; the server refuses it anyway."
      />
      <ChangeRequestsPanel />
      <RunbookInputsSection />
      <Tabs
        value={current}
        onChange={(v) => setParams(v && v !== fallback ? { tab: v } : {})}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          {TABS.map((t) => (
            <Tabs.Tab
              key={t.value}
              value={t.value}
              rightSection={
                t.value === "pending" && count.data?.pending ? (
                  <Badge size="xs" variant="filled" circle>
                    {count.data.pending}
                  </Badge>
                ) : t.value === "mine" && count.data?.mine ? (
                  <Badge size="xs" variant="light" circle>
                    {count.data.mine}
                  </Badge>
                ) : null
              }
            >
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((t) => (
          <Tabs.Panel key={t.value} value={t.value}>
            <ApprovalList tab={t} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  );
}
