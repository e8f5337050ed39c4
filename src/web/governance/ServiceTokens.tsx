// API tokens for service identities, for admins: whoever holds one acts as the service, so the
// server may hold the creation for a second admin (a `token.create` change request). Then nothing
// is minted until approval, and only the requester can collect the token, once, from here — the
// approver never sees it. Tokens created directly are shown once in the dialog.
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { AdminUserList } from "../../api/admin.ts";
import type { ChangeRequest } from "../../api/governance.ts";
import type { CreatedToken } from "../../api/tokens.ts";
import { useAdminChange } from "../api/admin.ts";
import { useApi } from "../api/context.ts";
import { CopyText } from "../components/CopyText.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { useFormRequest } from "../components/useFormRequest.ts";
import { type HeldAnswer, HeldChangeNotice, heldChange } from "./HeldChange.tsx";

/** The token, with the warning that this is the only time it is shown. */
function ShownOnce({ token, onClose }: { token: string; onClose?: () => void }) {
  return (
    <Alert
      color="yellow"
      variant="light"
      title="Copy the token now"
      data-service-token-shown
      withCloseButton={!!onClose}
      onClose={onClose}
      closeButtonLabel="Dismiss"
    >
      <Stack gap={6}>
        <Text size="sm">
          It is shown this once; Airlock keeps only a hash. Store it where the service reads it.
        </Text>
        <Code block>
          <CopyText value={token} label="token" size="xs" />
        </Code>
      </Stack>
    </Alert>
  );
}

function useServiceIdentities() {
  const api = useApi();
  return useQuery({
    queryKey: ["admin", "users", "services"],
    queryFn: ({ signal }) => api.get<AdminUserList>("/api/v1/admin/users", { kind: "service" }, signal),
  });
}

function CreateServiceTokenModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const services = useServiceIdentities();
  const change = useAdminChange();
  const [serviceId, setServiceId] = useState("");
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [reason, setReason] = useState("");
  const { busy, error, setError, send } = useFormRequest();
  const [held, setHeld] = useState<HeldAnswer | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const active = (services.data?.users ?? []).filter((u) => u.status === "active");
  const chosen = serviceId || active[0]?.id || "";

  function close() {
    setHeld(null);
    setCreated(null);
    setError(null);
    setName("");
    setReason("");
    onClose();
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    await send(async () => {
      const n = Number(days);
      const expiresAt = days.trim() && n > 0 ? new Date(Date.now() + n * 86_400_000).toISOString() : null;
      const answer = await change<unknown>(
        "POST",
        `/api/v1/admin/services/${encodeURIComponent(chosen)}/tokens`,
        { name: name.trim(), expiresAt, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        [["tokens"], ["changes"]],
      );
      const waiting = heldChange(answer);
      if (waiting) setHeld(waiting);
      else setCreated((answer as CreatedToken).token);
    });
  }
  return (
    <Modal opened={opened} onClose={close} title="Create a token for a service identity">
      {held ? (
        <Stack gap="md">
          <HeldChangeNotice held={held} />
          <Text size="sm">
            No token exists yet. Once another admin approves, collect it under “Service tokens you asked for”
            — only you can, once.
          </Text>
          <Group justify="flex-end">
            <Button onClick={close}>Close</Button>
          </Group>
        </Stack>
      ) : created ? (
        <Stack gap="md">
          <ShownOnce token={created} />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : services.isError ? (
        <QueryError error={services.error} what="Service identities" />
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <NativeSelect
              label="Service identity"
              description="Declared in the workspace"
              data={active.map((u) => ({ value: u.id, label: u.name }))}
              value={chosen}
              onChange={(e) => setServiceId(e.currentTarget.value)}
            />
            <TextInput
              label="Token name"
              placeholder="e.g. billing cron, prod"
              withAsterisk
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            <TextInput
              label="Expires in (days)"
              description="Empty: never"
              inputMode="numeric"
              value={days}
              onChange={(e) => setDays(e.currentTarget.value)}
            />
            <Textarea
              label="Reason"
              description="For the admin who may have to approve it"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              autosize
              minRows={2}
            />
            {error !== null && <ErrorNotice error={error} title="Not created" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} disabled={!chosen || !name.trim()}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Where a token change request stands for its requester. */
function stateOf(change: ChangeRequest): { label: string; color: string; collectable: boolean } {
  if (change.status === "applied")
    return change.result?.tokenId
      ? { label: "collected", color: "gray", collectable: false }
      : { label: "approved — collect it", color: "teal", collectable: true };
  if (change.status === "pending")
    return { label: "waiting for a second admin", color: "yellow", collectable: false };
  return { label: change.status, color: "gray", collectable: false };
}

function useMyTokenChanges() {
  const api = useApi();
  return useQuery({
    queryKey: ["changes", "mine", "token.create"],
    queryFn: async ({ signal }) => {
      const answer = await api.get<{ changes: ChangeRequest[] }>(
        "/api/v1/changes",
        { status: "mine", limit: "200" },
        signal,
      );
      return answer.changes.filter((change) => change.kind === "token.create");
    },
  });
}

export function ServiceTokens() {
  const [creating, create] = useDisclosure(false);
  const requests = useMyTokenChanges();
  const change = useAdminChange();
  const [collected, setCollected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function collect(id: string) {
    setBusy(id);
    setError(null);
    try {
      const token = await change<CreatedToken>(
        "POST",
        `/api/v1/changes/${encodeURIComponent(id)}/token`,
        undefined,
        [["tokens"], ["changes"]],
      );
      setCollected(token.token);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Stack gap="xs" data-service-tokens>
      <Group justify="space-between" align="flex-end">
        <Stack gap={0}>
          <Text fw={600}>Service tokens you asked for</Text>
          <Text size="sm" c="dimmed">
            A token for a service with sensitive grants waits for a second admin; then only you collect it,
            once.
          </Text>
        </Stack>
        <Button variant="light" onClick={create.open}>
          Create a service token
        </Button>
      </Group>
      {collected && <ShownOnce token={collected} onClose={() => setCollected(null)} />}
      {error !== null && <ErrorNotice error={error} title="Not collected" />}
      {requests.isPending ? (
        <ListSkeleton rows={1} />
      ) : requests.isError ? (
        <QueryError error={requests.error} what="Your token requests" />
      ) : requests.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          None.
        </Text>
      ) : (
        <Paper withBorder radius="md">
          <Table verticalSpacing={6} fz="sm" aria-label="Service tokens you asked for">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Request</Table.Th>
                <Table.Th>Asked</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Collect</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {requests.data.map((request) => {
                const state = stateOf(request);
                return (
                  <Table.Tr key={request.id} data-token-change={request.id}>
                    <Table.Td>{request.summary}</Table.Td>
                    <Table.Td>
                      <Time value={request.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light" color={state.color}>
                        {state.label}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">
                      {state.collectable && (
                        <Button
                          size="compact-sm"
                          loading={busy === request.id}
                          onClick={() => void collect(request.id)}
                          aria-label={`Collect the token of ${request.id}`}
                        >
                          Collect token
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <CreateServiceTokenModal opened={creating} onClose={create.close} />
    </Stack>
  );
}
