import { Button, CloseButton, Group, Paper, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useAdminChange, useAdminGroup, useAdminUsers } from "../api/admin.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { type HeldAnswer, HeldChangeNotice, heldChange } from "../governance/HeldChange.tsx";

export function GroupMembers({ groupId }: { groupId: string }) {
  const group = useAdminGroup(groupId);
  const users = useAdminUsers("");
  const change = useAdminChange();
  const [adding, setAdding] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [held, setHeld] = useState<HeldAnswer | null>(null);

  async function run(method: "POST" | "DELETE", path: string, body: unknown) {
    setBusy(true);
    setError(null);
    setHeld(null);
    try {
      const answer = await change<unknown>(method, path, body, [
        ["admin", "group", groupId],
        ["admin", "groups"],
        ["admin", "users"],
        ["changes"],
      ]);
      setHeld(heldChange(answer));
      setAdding(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (group.isPending) return <PageLoader />;
  if (group.isError) return <QueryError error={group.error} what="The group" />;
  const g = group.data;
  const members = g.members ?? [];
  const memberIds = new Set(members.map((m) => m.userId));
  const base = `/api/v1/admin/groups/${encodeURIComponent(g.id)}/members`;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="group-members">
      <Stack gap="sm">
        <Title order={3} size="h5" id="group-members">
          Members of {g.name}
        </Title>
        {g.description && (
          <Text size="sm" c="dimmed">
            {g.description}
          </Text>
        )}
        <Group align="flex-end" gap="sm">
          <Select
            label="Add a member"
            placeholder="Choose a user"
            searchable
            w={260}
            data={(users.data?.users ?? [])
              .filter((u) => !memberIds.has(u.id) && u.kind === "human")
              .map((u) => ({ value: u.id, label: `${u.name} (${u.email ?? u.id})` }))}
            value={adding}
            onChange={setAdding}
            nothingFoundMessage="No such user"
          />
          <Button
            disabled={!adding}
            loading={busy}
            onClick={() => void run("POST", base, { userId: adding })}
          >
            Add
          </Button>
        </Group>
        {error !== null && <ErrorNotice error={error} />}
        {held && <HeldChangeNotice held={held} />}
        {members.length === 0 ? (
          <Text size="sm" c="dimmed">
            No members yet.
          </Text>
        ) : (
          <Table fz="sm" verticalSpacing={4} aria-label={`Members of ${g.name}`}>
            <Table.Tbody>
              {members.map((m) => (
                <Table.Tr key={m.userId}>
                  <Table.Td>
                    {m.name}
                    <Text size="xs" c="dimmed">
                      {m.email} · added by {m.source}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <CloseButton
                      aria-label={`Remove ${m.name} from ${g.name}`}
                      onClick={() => void run("DELETE", `${base}/${encodeURIComponent(m.userId)}`, undefined)}
                      disabled={busy}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  );
}
