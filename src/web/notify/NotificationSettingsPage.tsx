// The person's own notification switches: for each kind of notification, whether it comes by
// email, and where the current setting comes from (their own choice, a group's default, or the
// default). The approvals inbox and live updates show what waits whatever is chosen here.
import { Badge, Paper, Switch, Table, Text } from "@mantine/core";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { usePreferenceChange, usePreferences } from "./preferences-api.ts";
import { SlackLinkCard } from "./SlackLinkCard.tsx";

const EVENT_LABELS: Record<string, string> = {
  "approval.requested": "A request waits for my approval",
  "approval.decided": "My request was decided",
  "run.failed": "My run failed",
  "runbook.waiting": "A runbook step waits for my input",
};

const SOURCE_LABELS = { user: "your choice", group: "your group's default", default: "default" } as const;

export default function NotificationSettingsPage() {
  const preferences = usePreferences();
  const change = usePreferenceChange();
  return (
    <>
      <PageHeader
        title="Notifications"
        description="What Airlock emails you. The approvals inbox always shows what waits for you."
      />
      {preferences.isPending ? (
        <ListSkeleton rows={4} label="Loading your notification settings" />
      ) : preferences.isError ? (
        <QueryError error={preferences.error} what="Your notification settings" />
      ) : (
        <Paper withBorder radius="md" p="md">
          {change.isError && <ErrorNotice error={change.error} title="The setting was not saved" />}
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Notification</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Set by</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {preferences.data.preferences.map((p) => {
                const label = EVENT_LABELS[p.eventType] ?? p.eventType;
                return (
                  <Table.Tr key={`${p.eventType}|${p.channel}`}>
                    <Table.Td>
                      <Text size="sm">{label}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Switch
                        checked={p.enabled}
                        aria-label={`Email: ${label}`}
                        disabled={change.isPending}
                        onChange={(e) =>
                          change.mutate({
                            eventType: p.eventType,
                            channel: p.channel,
                            enabled: e.currentTarget.checked,
                          })
                        }
                      />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={p.source === "user" ? "blue" : "gray"}>
                        {SOURCE_LABELS[p.source]}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <SlackLinkCard />
    </>
  );
}
