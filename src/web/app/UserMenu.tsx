import { Avatar, Button, Group, Menu, Text, UnstyledButton } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import type { Me } from "../../api/session.ts";
import { useApi } from "../api/context.ts";
import { ME_KEY, SIGNED_OUT_KEY, signOut } from "../api/session.ts";

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join("");
}

export function UserMenu({ me, onShortcuts }: { me: Me; onShortcuts: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  async function onSignOut() {
    try {
      await signOut(api);
    } finally {
      queryClient.removeQueries();
      queryClient.setQueryData(SIGNED_OUT_KEY, undefined);
      queryClient.setQueryData(ME_KEY, null);
      navigate("/sign-in", { replace: true });
    }
  }

  return (
    <Group gap="sm" wrap="nowrap">
      <Menu position="bottom-end" width={260} withinPortal>
        <Menu.Target>
          <UnstyledButton c="white">
            <Group gap={8} wrap="nowrap">
              <Avatar size={30} radius="xl" color="navy" variant="white" aria-hidden="true">
                {initials(me.user.name)}
              </Avatar>
              {/* On a phone the avatar stands for the name, so "Sign out" keeps its room. */}
              <Text span size="sm" c="white" fw={500} visibleFrom="sm">
                {me.user.name}
              </Text>
              {/* The accessible name keeps the person's name where it is not shown. */}
              <Text span className="visually-hidden" hiddenFrom="sm">
                {me.user.name}
              </Text>
              <span className="visually-hidden">, account menu</span>
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Signed in as</Menu.Label>
          <Text size="sm" px="sm" fw={500}>
            {me.user.name}
          </Text>
          {me.user.email && (
            <Text size="xs" px="sm" c="dimmed">
              {me.user.email}
            </Text>
          )}
          <Text size="xs" px="sm" pt={4} pb="xs" c="dimmed">
            Roles: {me.roles.length ? me.roles.join(", ") : "none"}
          </Text>
          <Menu.Divider />
          <Menu.Item onClick={() => navigate("/admin/tokens")}>API tokens (for the CLI)</Menu.Item>
          <Menu.Item onClick={() => navigate("/settings/notifications")}>Notification settings</Menu.Item>
          <Menu.Item onClick={onShortcuts}>Keyboard shortcuts</Menu.Item>
          <Menu.Item onClick={() => void onSignOut()}>Sign out</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Button
        size="xs"
        variant="white"
        color="navy"
        style={{ flexShrink: 0 }}
        onClick={() => void onSignOut()}
      >
        Sign out
      </Button>
    </Group>
  );
}
