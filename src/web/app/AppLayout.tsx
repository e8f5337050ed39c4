import { AppShell, Badge, Box, Burger, Group, Kbd, NavLink, ScrollArea, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link, Outlet, useLocation } from "react-router";
import { useApprovalCount } from "../api/approvals.ts";
import { canSeeAdmin, canSeeAudit, useCurrentUser } from "../api/session.ts";
import { LockIcon } from "../components/icons.tsx";
import { BreakGlassBanner } from "../governance/BreakGlassBanner.tsx";
import { useDecidableChangeCount } from "../governance/changes-api.ts";
import { useLiveUpdates } from "../notify/live-updates.ts";
import { useMailboxNavItem } from "../notify/mailbox-api.ts";
import { NotificationBell } from "../notify/NotificationBell.tsx";
import { useRunbookWaitingCount } from "../runbooks/RunbookInputsSection.tsx";
import { ShortcutsHelp } from "./ShortcutsHelp.tsx";
import { UserMenu } from "./UserMenu.tsx";
import { useShortcuts } from "./useShortcuts.ts";

function ApprovalsCount() {
  const count = useApprovalCount();
  // What runbooks wait for from this person (answers, gates) counts as waiting for them too.
  const runbooks = useRunbookWaitingCount();
  // So are access and policy changes this person may decide as a second admin.
  const changes = useDecidableChangeCount();
  const pending = (count.data?.pending ?? 0) + runbooks + changes;
  if (!pending) return null;
  return (
    <Badge size="sm" color="navy" variant="filled" circle aria-label={`${pending} waiting for your decision`}>
      {pending > 99 ? "99+" : pending}
    </Badge>
  );
}

export function AppLayout() {
  const me = useCurrentUser();
  const location = useLocation();
  const [navOpen, nav] = useDisclosure(false);
  const [helpOpen, help] = useDisclosure(false);
  useShortcuts({ onHelp: help.open });
  useLiveUpdates();

  const items = [
    {
      to: "/",
      label: "Actions",
      active: location.pathname === "/" || location.pathname.startsWith("/actions"),
    },
    { to: "/runs", label: "Runs", active: location.pathname.startsWith("/runs") },
    { to: "/schedules", label: "Schedules", active: location.pathname.startsWith("/schedules") },
    {
      to: "/approvals",
      label: "Approvals",
      active: location.pathname.startsWith("/approvals"),
      right: <ApprovalsCount />,
    },
    ...(canSeeAudit(me)
      ? [{ to: "/audit", label: "Audit", active: location.pathname.startsWith("/audit") }]
      : []),
    ...(canSeeAdmin(me)
      ? [{ to: "/admin", label: "Admin", active: location.pathname.startsWith("/admin") }]
      : []),
    ...useMailboxNavItem(me, location.pathname),
  ];

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !navOpen } }}
      padding="lg"
    >
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell.Header bg="navy.9" c="white" withBorder={false}>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={navOpen}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              color="white"
              aria-label="Toggle navigation"
            />
            <Link to="/" className="brand-link" aria-label="Airlock home">
              <LockIcon size={20} />
              <Text span fw={700} size="lg" c="white">
                Airlock
              </Text>
            </Link>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <NotificationBell />
            <UserMenu me={me} onShortcuts={help.open} />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        <AppShell.Section grow component={ScrollArea}>
          {items.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={item.active}
              aria-current={item.active ? "page" : undefined}
              rightSection={item.right}
              onClick={nav.close}
              variant="light"
              fw={500}
              styles={{ root: { borderRadius: 6 } }}
            />
          ))}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" py="xs">
            Press <Kbd size="xs">?</Kbd> for keyboard shortcuts
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: "none" }}>
        <Box maw={1200} mx="auto">
          <BreakGlassBanner />
          <Outlet />
        </Box>
      </AppShell.Main>
      <ShortcutsHelp opened={helpOpen} onClose={help.close} />
    </AppShell>
  );
}
