// The person's own notification switches: for each kind of notification, whether it comes in the
// console (the header's bell), by email and as a Slack direct message, and where each setting
// comes from (their own choice, a group's default, or the default). Admins also set the defaults
// per group here. The approvals inbox shows what waits whatever is chosen.
import { Badge, Group, Paper, Select, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { type ReactNode, useState } from "react";
import type { PREFERENCE_CHANNELS } from "../../api/notifications.ts";
import { canSeeAdmin, useCurrentUser } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import {
  type NotificationPreferences,
  useGroupDefaultChange,
  useGroupDefaults,
  usePreferenceChange,
  usePreferences,
} from "./preferences-api.ts";
import { SlackLinkCard } from "./SlackLinkCard.tsx";

type Channel = (typeof PREFERENCE_CHANNELS)[number];
type EventType = NotificationPreferences["preferences"][number]["eventType"];

const EVENT_LABELS: Record<EventType, string> = {
  "approval.requested": "A request waits for my approval",
  "approval.decided": "My request was decided",
  "run.failed": "My run failed",
  "runbook.waiting": "A runbook step waits for my input",
};
const EVENTS = Object.keys(EVENT_LABELS) as EventType[];
const CHANNELS: { channel: Channel; label: string }[] = [
  { channel: "in_app", label: "In app" },
  { channel: "email", label: "Email" },
  { channel: "slack", label: "Slack" },
];

const SOURCE_LABELS = { user: "your choice", group: "your group's default", default: "default" } as const;

export default function NotificationSettingsPage() {
  const me = useCurrentUser();
  return (
    <>
      <PageHeader
        title="Notifications"
        description="How Airlock tells you: in the console (the bell), by email, and as a Slack direct message once you link Slack below. The approvals inbox always shows what waits for you."
      />
      <Stack gap="lg">
        <OwnPreferences />
        <SlackLinkCard />
        {canSeeAdmin(me) && me?.permissions?.workspaceAdmin && <GroupDefaults />}
      </Stack>
    </>
  );
}

function OwnPreferences() {
  const preferences = usePreferences();
  const change = usePreferenceChange();
  if (preferences.isPending) return <ListSkeleton rows={4} label="Loading your notification settings" />;
  if (preferences.isError) return <QueryError error={preferences.error} what="Your notification settings" />;
  const find = (eventType: EventType, channel: Channel) =>
    preferences.data.preferences.find((p) => p.eventType === eventType && p.channel === channel);
  return (
    <Paper withBorder radius="md" p="md">
      {change.isError && <ErrorNotice error={change.error} title="The setting was not saved" />}
      <SwitchTable
        label="Your notifications"
        cell={(eventType, channel, label) => {
          const p = find(eventType, channel);
          if (!p) return null;
          return (
            <Group gap="xs" wrap="nowrap">
              <Switch
                checked={p.enabled}
                aria-label={`${label}: ${EVENT_LABELS[eventType]}`}
                disabled={change.isPending}
                onChange={(e) => change.mutate({ eventType, channel, enabled: e.currentTarget.checked })}
              />
              <Badge size="xs" variant="light" color={p.source === "user" ? "blue" : "gray"}>
                {SOURCE_LABELS[p.source]}
              </Badge>
            </Group>
          );
        }}
      />
    </Paper>
  );
}

/** Admins: a group's defaults, one table (a member's own choice still wins). */
function GroupDefaults() {
  const defaults = useGroupDefaults(true);
  const change = useGroupDefaultChange();
  const [picked, setPicked] = useState<string | null>(null);
  if (defaults.isPending) return <ListSkeleton rows={4} label="Loading the groups' defaults" />;
  if (defaults.isError) return <QueryError error={defaults.error} what="The groups' defaults" />;
  const group = picked ?? defaults.data.groups[0] ?? null;
  const enabled = (eventType: EventType, channel: Channel) =>
    defaults.data.defaults.find(
      (d) => d.group === group && d.eventType === eventType && d.channel === channel,
    )?.enabled ?? true;
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Title order={3} size="h4">
          Group defaults
        </Title>
        <Text size="sm" c="dimmed">
          What a group's members get unless they chose otherwise. A person in several groups gets a
          notification if any of their groups has it on.
        </Text>
        <Select
          label="Group"
          data={defaults.data.groups}
          value={group}
          onChange={setPicked}
          allowDeselect={false}
          searchable
          w={280}
        />
        {change.isError && <ErrorNotice error={change.error} title="The default was not saved" />}
        {group && (
          <SwitchTable
            label={`Defaults of the ${group} group`}
            cell={(eventType, channel, label) => (
              <Switch
                checked={enabled(eventType, channel)}
                aria-label={`${group} default, ${label}: ${EVENT_LABELS[eventType]}`}
                disabled={change.isPending}
                onChange={(e) =>
                  change.mutate({ group, eventType, channel, enabled: e.currentTarget.checked })
                }
              />
            )}
          />
        )}
      </Stack>
    </Paper>
  );
}

/** One switch per notification (rows) and channel (columns): a person's own, or a group's defaults. */
function SwitchTable({
  label,
  cell,
}: {
  label: string;
  cell: (eventType: EventType, channel: Channel, channelLabel: string) => ReactNode;
}) {
  return (
    <Table aria-label={label}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Notification</Table.Th>
          {CHANNELS.map((c) => (
            <Table.Th key={c.channel}>{c.label}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {EVENTS.map((eventType) => (
          <Table.Tr key={eventType}>
            <Table.Td>
              <Text size="sm">{EVENT_LABELS[eventType]}</Text>
            </Table.Td>
            {CHANNELS.map(({ channel, label: channelLabel }) => (
              <Table.Td key={channel}>{cell(eventType, channel, channelLabel)}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
