// The bell in the console's header: the person's in-app notifications (a request of theirs was
// decided, a run of theirs failed, a runbook waits for them, a request waits for their decision),
// newest first, unread ones marked. Which kinds appear is the person's in-app switch per kind
// (Notification settings). Opening one marks it read and goes to its page.
import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Indicator,
  Popover,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Time } from "../components/Time.tsx";
import { useInAppNotifications, useMarkRead } from "./in-app-api.ts";

function BellIcon() {
  return (
    <svg
      width={20}
      height={20}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      aria-hidden="true"
    >
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

export function NotificationBell() {
  const list = useInAppNotifications();
  const markRead = useMarkRead();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  // The newest page's count: it is the total of unread ones, whichever page is shown.
  const unread = list.data?.pages[0]?.unread ?? 0;
  const items = list.data?.pages.flatMap((page) => page.notifications) ?? [];
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={360} withinPortal shadow="md">
      {/* The target is the button itself: Popover.Target sets aria-expanded on its child, which a
          plain element (the Indicator's div) may not carry. */}
      <Indicator
        disabled={unread === 0}
        label={unread > 99 ? "99+" : unread}
        size={16}
        color="red"
        offset={4}
      >
        <Popover.Target>
          <ActionIcon
            variant="subtle"
            color="white"
            size="lg"
            onClick={() => setOpened((o) => !o)}
            aria-label={unread > 0 ? `Notifications, ${unread} unread` : "Notifications"}
            data-notification-bell
          >
            <BellIcon />
          </ActionIcon>
        </Popover.Target>
      </Indicator>
      <Popover.Dropdown p="xs">
        <Group justify="space-between" px="xs" pb="xs">
          <Text fw={600} size="sm">
            Notifications
          </Text>
          {unread > 0 && (
            <Button size="compact-xs" variant="subtle" onClick={() => markRead.mutate({ all: true })}>
              Mark all read
            </Button>
          )}
        </Group>
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" px="xs" pb="xs">
            Nothing yet. What waits for your decision is always in Approvals.
          </Text>
        ) : (
          <ScrollArea.Autosize mah={420}>
            <Stack gap={2} role="list" aria-label="Your notifications">
              {items.map((n) => (
                <UnstyledButton
                  key={n.id}
                  role="listitem"
                  data-notification={n.id}
                  data-unread={n.readAt === null ? "true" : "false"}
                  p="xs"
                  style={{
                    borderRadius: 6,
                    background: n.readAt === null ? "var(--mantine-color-blue-0)" : undefined,
                  }}
                  onClick={() => {
                    if (n.readAt === null) markRead.mutate({ ids: [n.id] });
                    setOpened(false);
                    navigate(n.path);
                  }}
                >
                  <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
                    <Text size="sm" fw={n.readAt === null ? 600 : 400}>
                      {n.subject}
                    </Text>
                    {n.readAt === null && (
                      <Badge size="xs" variant="filled" color="blue">
                        new
                      </Badge>
                    )}
                  </Group>
                  <Text size="xs" c="dimmed" lineClamp={2}>
                    {n.text}
                  </Text>
                  <Text size="xs" c="dimmed">
                    <Time value={n.createdAt} />
                  </Text>
                </UnstyledButton>
              ))}
              {list.hasNextPage && (
                <Button
                  size="compact-sm"
                  variant="subtle"
                  loading={list.isFetchingNextPage}
                  onClick={() => void list.fetchNextPage()}
                >
                  Load more
                </Button>
              )}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
