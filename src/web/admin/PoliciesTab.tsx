import { Badge, Button, Group, Modal, Paper, ScrollArea, Stack, Table, Text, Textarea } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { type PolicyRow, useAdminChange, usePolicies, usePolicyReport } from "../api/admin.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { useToast } from "../components/toasts.tsx";
import { useFormRequest } from "../components/useFormRequest.ts";
import { type HeldAnswer, HeldChangeInDialog, heldChange } from "../governance/HeldChange.tsx";
import { Reviewers } from "../result/Reviewers.tsx";
import { WhatIfModal } from "./WhatIfModal.tsx";

function ModeModal({ policy, onClose }: { policy: PolicyRow | null; onClose: () => void }) {
  const change = useAdminChange();
  const toast = useToast();
  const [reason, setReason] = useState("");
  const { busy, error, setError, send } = useFormRequest();
  const [held, setHeld] = useState<HeldAnswer | null>(null);
  const next = policy?.mode === "enforce" ? "monitor" : "enforce";
  function close() {
    setHeld(null);
    setError(null);
    onClose();
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!policy) return;
    await send(async () => {
      const answer = await change<unknown>(
        "POST",
        `/api/v1/policies/${encodeURIComponent(policy.name)}/mode`,
        { mode: next, reason: reason.trim(), action: policy.action },
        [["policies"], ["changes"]],
      );
      setReason("");
      // With a second admin the switch waits as a change request: say so in the dialog, not "done".
      const waiting = heldChange(answer);
      if (waiting) {
        setHeld(waiting);
        return;
      }
      toast({
        kind: "success",
        title: `Policy “${policy.name}” now ${next === "enforce" ? "enforces" : "monitors"}`,
      });
      close();
    });
  }
  return (
    <Modal
      opened={policy !== null}
      onClose={close}
      title={`Switch the policy “${policy?.name ?? ""}” to ${next}`}
    >
      {held ? (
        <HeldChangeInDialog held={held} onClose={close} />
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            {policy && (
              <Text size="sm">
                Policy <b>{policy.name}</b> on the action <b>{policy.action}</b>
                {policy.description ? `: ${policy.description}` : ""}
              </Text>
            )}
            <Text size="sm">
              {next === "monitor"
                ? "Monitor mode lets gated runs go ahead and only records that they would have needed approval."
                : "Enforce mode holds matching runs until a reviewer approves them."}
            </Text>
            <Textarea
              label="Reason"
              description="Kept in the audit trail"
              withAsterisk
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              data-autofocus
            />
            {error !== null && <ErrorNotice error={error} title="Mode not changed" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} disabled={reason.trim().length < 3}>
                Switch to {next}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function Report() {
  const report = usePolicyReport();
  if (report.isPending) return <ListSkeleton rows={3} label="Loading the report" />;
  if (report.isError) return <QueryError error={report.error} what="The monitoring report" />;
  const rows = report.data.policies;
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No policy activity in the last 30 days.
      </Text>
    );
  return (
    <Paper withBorder radius="md">
      <ScrollArea type="auto">
        <Table verticalSpacing={6} fz="sm" aria-label="Monitoring report, last 30 days">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Policy</Table.Th>
              <Table.Th>Would have gated</Table.Th>
              <Table.Th>Requested</Table.Th>
              <Table.Th>Approved</Table.Th>
              <Table.Th>Rejected</Table.Th>
              <Table.Th>Expired</Table.Th>
              <Table.Th>Pending</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.action}:${r.policy}`}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {r.action} · {r.policy}
                  </Text>
                </Table.Td>
                <Table.Td>{r.totals.wouldHaveGated}</Table.Td>
                <Table.Td>{r.totals.requested}</Table.Td>
                <Table.Td>{r.totals.approved}</Table.Td>
                <Table.Td>{r.totals.rejected}</Table.Td>
                <Table.Td>{r.totals.expired}</Table.Td>
                <Table.Td>{r.totals.pending}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Paper>
  );
}

export function PoliciesTab() {
  const policies = usePolicies();
  const [switching, setSwitching] = useState<PolicyRow | null>(null);
  const [drafting, setDrafting] = useState<PolicyRow | null>(null);
  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <Text fw={600}>Approval policies</Text>
        {policies.isPending ? (
          <ListSkeleton rows={3} label="Loading policies" />
        ) : policies.isError ? (
          <QueryError error={policies.error} what="Policies" />
        ) : policies.data.policies.length === 0 ? (
          <Text size="sm" c="dimmed">
            No policies on the actions you administer or audit.
          </Text>
        ) : (
          <Paper withBorder radius="md">
            <Table verticalSpacing="sm" fz="sm" aria-label="Approval policies">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Policy</Table.Th>
                  <Table.Th>Reviewers</Table.Th>
                  <Table.Th>Mode</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Change</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {policies.data.policies.map((p) => (
                  <Table.Tr key={`${p.action}:${p.name}`}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {p.actionTitle}
                      </Text>
                      {p.description && (
                        <Text size="xs" c="dimmed">
                          {p.description}
                        </Text>
                      )}
                      <Text size="xs" c="dimmed" ff="monospace">
                        {p.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Reviewers reviewers={p.reviewers} quorum={p.quorum} />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={p.mode === "enforce" ? "navy" : "yellow"}>
                        {p.mode === "enforce" ? "Enforce" : "Monitor"}
                      </Badge>
                      {p.override && (
                        <Text size="xs" c="dimmed">
                          code says {p.codeMode}; changed: “{p.override.reason}”
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        mr="xs"
                        onClick={() => setDrafting(p)}
                        aria-label={`What if: ${p.name}`}
                      >
                        What if…
                      </Button>
                      {p.canChangeMode && (
                        <Button size="compact-sm" variant="default" onClick={() => setSwitching(p)}>
                          Switch to {p.mode === "enforce" ? "monitor" : "enforce"}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        )}
      </Stack>
      <Stack gap="xs">
        <Text fw={600}>Monitoring report (last 30 days)</Text>
        <Report />
      </Stack>
      <ModeModal policy={switching} onClose={() => setSwitching(null)} />
      <WhatIfModal policy={drafting} onClose={() => setDrafting(null)} />
    </Stack>
  );
}
