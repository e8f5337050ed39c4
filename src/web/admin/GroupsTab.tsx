import {
  Badge,
  Button,
  Grid,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { type FormEvent, useState } from "react";
import { type AdminGroup, useAdminChange, useAdminGroups } from "../api/admin.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { GroupMembers } from "./GroupMembers.tsx";

function NewGroupModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const change = useAdminChange();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await change<AdminGroup>(
        "POST",
        "/api/v1/admin/groups",
        { name: name.trim(), description: description.trim() || null },
        [["admin", "groups"]],
      );
      setName("");
      setDescription("");
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal opened={opened} onClose={onClose} title="New group">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Name"
            description="Lowercase letters, digits and dashes"
            withAsterisk
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
          />
          <TextInput
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
          {error !== null && <ErrorNotice error={error} title="Not created" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!name.trim()}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function GroupsTab() {
  const groups = useAdminGroups();
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, create] = useDisclosure(false);
  if (groups.isPending) return <ListSkeleton rows={4} label="Loading groups" />;
  if (groups.isError) return <QueryError error={groups.error} what="Groups" />;
  const list = groups.data.groups;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Membership decides roles; roles decide grants. Groups from the workspace code or SSO are marked.
        </Text>
        <Button onClick={create.open}>New group</Button>
      </Group>
      {list.length === 0 ? (
        <Empty title="No groups yet" />
      ) : (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 7 }}>
            <Paper withBorder radius="md">
              <Table verticalSpacing="sm" fz="sm" highlightOnHover aria-label="Groups">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Group</Table.Th>
                    <Table.Th>Roles</Table.Th>
                    <Table.Th>Members</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((g) => (
                    <Table.Tr key={g.id} bg={selected === g.id ? "navy.0" : undefined}>
                      <Table.Td>
                        <UnstyledButton
                          onClick={() => setSelected(g.id)}
                          aria-pressed={selected === g.id}
                          fw={600}
                          c="navy.8"
                          fz="sm"
                        >
                          {g.name}
                        </UnstyledButton>
                        <Text size="xs" c="dimmed">
                          {g.description ?? "—"} · {g.source}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {(g.roles ?? []).map((r) => (
                            <Badge key={r} size="xs" variant="light" radius="sm">
                              {r}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td>{g.memberCount}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5 }}>
            {selected ? (
              <GroupMembers groupId={selected} />
            ) : (
              <Paper withBorder radius="md" p="md">
                <Text size="sm" c="dimmed">
                  Choose a group to see and change its members.
                </Text>
              </Paper>
            )}
          </Grid.Col>
        </Grid>
      )}
      <NewGroupModal opened={creating} onClose={create.close} />
    </Stack>
  );
}
