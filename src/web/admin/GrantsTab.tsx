import {
  Badge,
  Button,
  CloseButton,
  Group,
  Modal,
  MultiSelect,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { type FormEvent, useState } from "react";
import { type GrantRow, useAdminChange, useGrants } from "../api/admin.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { useToast } from "../components/toasts.tsx";
import { useConfirm } from "../components/useConfirm.tsx";
import { type HeldAnswer, HeldChangeNotice, heldChange } from "../governance/HeldChange.tsx";

const VERBS = ["view", "run", "approve", "audit", "admin", "reveal:*"];

function AddGrantModal({
  opened,
  onClose,
  roles,
}: {
  opened: boolean;
  onClose: () => void;
  roles: string[];
}) {
  const change = useAdminChange();
  const [role, setRole] = useState(roles[0] ?? "");
  const [verbs, setVerbs] = useState<string[]>(["view"]);
  const [onKind, setOnKind] = useState("action");
  const [onValue, setOnValue] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [held, setHeld] = useState<HeldAnswer | null>(null);
  function close() {
    setHeld(null);
    setError(null);
    onClose();
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const on = onKind === "all" ? "*" : { [onKind]: onValue.trim() };
      const answer = await change<unknown>("POST", "/api/v1/admin/grants", { to: { role }, verbs, on }, [
        ["admin", "grants"],
        ["changes"],
      ]);
      // A sensitive grant waits for a second admin: say so in place of closing as if it were done.
      const waiting = heldChange(answer);
      if (waiting) setHeld(waiting);
      else close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened={opened} onClose={close} title="Add a grant">
      {held ? (
        <Stack gap="md">
          <HeldChangeNotice held={held} />
          <Group justify="flex-end">
            <Button onClick={close}>Close</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <NativeSelect
              label="Role"
              data={roles}
              value={role}
              onChange={(e) => setRole(e.currentTarget.value)}
            />
            <MultiSelect label="Verbs" data={VERBS} value={verbs} onChange={setVerbs} />
            <NativeSelect
              label="On"
              data={[
                { value: "action", label: "One action" },
                { value: "tag", label: "Actions with a tag" },
                { value: "all", label: "Every action (*)" },
              ]}
              value={onKind}
              onChange={(e) => setOnKind(e.currentTarget.value)}
            />
            {onKind !== "all" && (
              <TextInput
                label={onKind === "tag" ? "Tag" : "Action name"}
                withAsterisk
                value={onValue}
                onChange={(e) => setOnValue(e.currentTarget.value)}
              />
            )}
            {error !== null && <ErrorNotice error={error} title="Not added" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                loading={busy}
                disabled={!role || verbs.length === 0 || (onKind !== "all" && !onValue.trim())}
              >
                Add grant
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function GrantTable({
  rows,
  label,
  onRevoke,
}: {
  rows: GrantRow[];
  label: string;
  onRevoke?: (g: GrantRow) => void;
}) {
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        None.
      </Text>
    );
  return (
    <Paper withBorder radius="md">
      <Table verticalSpacing={6} fz="sm" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>To</Table.Th>
            <Table.Th>Verbs</Table.Th>
            <Table.Th>On</Table.Th>
            {onRevoke && (
              <Table.Th>
                <span className="visually-hidden">Revoke</span>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((g) => (
            <Table.Tr key={g.id}>
              <Table.Td>
                {g.subjectKind} <strong>{g.subject}</strong>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {g.verbs.map((v) => (
                    <Badge key={v} size="xs" variant="default" radius="sm">
                      {v}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td ff="monospace">{g.on}</Table.Td>
              {onRevoke && (
                <Table.Td ta="right">
                  <CloseButton
                    aria-label={`Revoke ${g.verbs.join(", ")} for ${g.subject} on ${g.on}`}
                    onClick={() => onRevoke(g)}
                  />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function GrantsTab() {
  const [confirm, confirmDialog] = useConfirm();
  const toast = useToast();
  const grants = useGrants();
  const change = useAdminChange();
  const [adding, add] = useDisclosure(false);
  const [error, setError] = useState<unknown>(null);
  if (grants.isPending) return <ListSkeleton rows={4} label="Loading grants" />;
  if (grants.isError) return <QueryError error={grants.error} what="Grants" />;
  const roles = Object.keys(grants.data.roles ?? {});
  async function revoke(g: GrantRow) {
    const ok = await confirm({
      title: `Revoke ${g.verbs.join(", ")} for ${g.subject}?`,
      message: `${g.subject} loses ${g.verbs.join(", ")} on ${g.on} at once.`,
      confirm: "Revoke the grant",
      danger: true,
    });
    if (!ok) return;
    setError(null);
    try {
      const answer = await change<unknown>(
        "DELETE",
        `/api/v1/admin/grants/${encodeURIComponent(g.id)}`,
        undefined,
        [["admin", "grants"]],
      );
      toast(
        heldChange(answer)
          ? {
              kind: "success",
              title: "Held for a second admin",
              message: `Revoking ${g.verbs.join(", ")} for ${g.subject} waits for another admin's approval.`,
            }
          : { kind: "success", title: `Revoked ${g.verbs.join(", ")} for ${g.subject}` },
      );
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Stack gap="lg">
      {confirmDialog}
      {error !== null && <ErrorNotice error={error} />}
      <Stack gap="xs">
        <Text fw={600}>Declared in the workspace code</Text>
        <Text size="sm" c="dimmed">
          The shared source of truth; change them in airlock.config.ts.
        </Text>
        <GrantTable rows={grants.data.code} label="Grants in code" />
      </Stack>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>Added by admins</Text>
          <Button size="xs" onClick={add.open} disabled={roles.length === 0}>
            Add a grant
          </Button>
        </Group>
        <GrantTable rows={grants.data.stored} label="Stored grants" onRevoke={(g) => void revoke(g)} />
      </Stack>
      <AddGrantModal opened={adding} onClose={add.close} roles={roles} />
    </Stack>
  );
}
