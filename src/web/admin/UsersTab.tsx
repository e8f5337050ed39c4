import { Badge, Button, Group, Paper, ScrollArea, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { useState } from "react";
import { type AdminUser, useAdminChange, useAdminUsers } from "../api/admin.ts";
import { useCurrentUser } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { SearchIcon } from "../components/icons.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { useConfirm } from "../components/useConfirm.tsx";
import { InviteUserModal } from "./InviteUserModal.tsx";

function StatusCell({ user }: { user: AdminUser }) {
  if (user.status === "disabled")
    return (
      <Badge color="gray" variant="light" size="sm">
        Disabled
      </Badge>
    );
  if (user.lockedUntil && new Date(user.lockedUntil) > new Date())
    return (
      <Badge color="orange" variant="light" size="sm">
        Locked out
      </Badge>
    );
  return (
    <Badge color="teal" variant="light" size="sm">
      Active
    </Badge>
  );
}

export function UsersTab() {
  const [confirm, confirmDialog] = useConfirm();
  const me = useCurrentUser();
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const users = useAdminUsers(debounced);
  const change = useAdminChange();
  const [inviting, invite] = useDisclosure(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function setStatus(user: AdminUser, verb: "disable" | "enable") {
    if (
      verb === "disable" &&
      !(await confirm({
        title: `Disable ${user.name}?`,
        message: `${user.name}'s sessions and API tokens stop working at once. You can enable them again later.`,
        confirm: `Disable ${user.name}`,
        danger: true,
      }))
    )
      return;
    setBusy(user.id);
    setError(null);
    try {
      await change("POST", `/api/v1/admin/users/${encodeURIComponent(user.id)}/${verb}`, {}, [
        ["admin", "users"],
      ]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Stack gap="md">
      {confirmDialog}
      <Group justify="space-between" align="flex-end">
        <TextInput
          label="Find a user"
          placeholder="Name or email"
          leftSection={<SearchIcon />}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={320}
          type="search"
        />
        <Button onClick={invite.open}>Invite a user</Button>
      </Group>
      {error !== null && <ErrorNotice error={error} />}
      {users.isPending ? (
        <ListSkeleton rows={5} label="Loading users" />
      ) : users.isError ? (
        <QueryError error={users.error} what="Users" />
      ) : users.data.users.length === 0 ? (
        <Empty title="No users match" />
      ) : (
        <Paper withBorder radius="md">
          <ScrollArea type="auto">
            <Table verticalSpacing="sm" fz="sm" highlightOnHover aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Groups</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last sign-in</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Change</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.users.map((u) => (
                  <Table.Tr key={u.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {u.name}
                        {u.kind === "service" && (
                          <Badge size="xs" variant="default" ml={6}>
                            service
                          </Badge>
                        )}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {u.email ?? u.id} ·{" "}
                        {u.hasPassword ? "password" : u.kind === "human" ? "SSO only" : "token only"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {u.groups.map((g) => (
                          <Badge key={g} size="xs" variant="default" radius="sm">
                            {g}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <StatusCell user={u} />
                    </Table.Td>
                    <Table.Td>
                      <Time value={u.lastLoginAt} />
                    </Table.Td>
                    <Table.Td ta="right">
                      {u.id !== me.user.id &&
                        (u.status === "active" ? (
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            color="red"
                            loading={busy === u.id}
                            onClick={() => void setStatus(u, "disable")}
                            aria-label={`Disable ${u.name}`}
                          >
                            Disable
                          </Button>
                        ) : (
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            loading={busy === u.id}
                            onClick={() => void setStatus(u, "enable")}
                            aria-label={`Enable ${u.name}`}
                          >
                            Enable
                          </Button>
                        ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      )}
      <InviteUserModal opened={inviting} onClose={invite.close} />
    </Stack>
  );
}
