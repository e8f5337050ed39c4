// Admin: outbound webhooks and their delivery logs — each delivery's status, attempts and last
// error ("Not delivered yet (2 attempts, last error: HTTP 500)") — registered here (the secret
// shown once), disabled, enabled again or deleted.
import { Accordion, Badge, Button, Code, Group, Paper, Stack, Table, Text } from "@mantine/core";
import type { Webhook } from "../../api/webhooks.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { deliveryText } from "./MailboxPage.tsx";
import { WebhookRegistration } from "./WebhookRegistration.tsx";
import { useDeliveries, useWebhookChanges, useWebhooks } from "./webhooks-api.ts";

function WebhookControls({ webhook }: { webhook: Webhook }) {
  const { setDisabled, remove } = useWebhookChanges();
  const disabled = webhook.disabledAt !== null;
  return (
    <Group gap="xs" mb="sm">
      <Button
        size="xs"
        variant="default"
        loading={setDisabled.isPending}
        onClick={() => setDisabled.mutate({ id: webhook.id, disabled: !disabled })}
        aria-label={`${disabled ? "Enable" : "Disable"} ${webhook.url}`}
      >
        {disabled ? "Enable" : "Disable"}
      </Button>
      <Button
        size="xs"
        color="red"
        variant="light"
        loading={remove.isPending}
        onClick={() => {
          if (window.confirm(`Delete the webhook to ${webhook.url}? Its secret goes with it.`))
            remove.mutate(webhook.id);
        }}
        aria-label={`Delete ${webhook.url}`}
      >
        Delete
      </Button>
      {(setDisabled.isError || remove.isError) && <ErrorNotice error={setDisabled.error ?? remove.error} />}
    </Group>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const log = useDeliveries(webhook.id);
  if (log.isPending) return <ListSkeleton rows={2} label="Loading deliveries" />;
  if (log.isError) return <QueryError error={log.error} what="The delivery log" />;
  if (log.data.deliveries.length === 0) return <Empty title="Nothing delivered yet." />;
  return (
    <Table fz="sm" aria-label={`Deliveries to ${webhook.url}`}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Event</Table.Th>
          <Table.Th>Created</Table.Th>
          <Table.Th>Delivery</Table.Th>
          <Table.Th>Last attempt</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {log.data.deliveries.map((d) => (
          <Table.Tr key={d.id} data-delivery={d.id}>
            <Table.Td>
              <Code>{d.eventType}</Code>
            </Table.Td>
            <Table.Td>
              <Time value={d.createdAt} />
            </Table.Td>
            <Table.Td>
              <Badge color={d.status === "delivered" ? "teal" : d.status === "failed" ? "red" : "yellow"}>
                {deliveryText(d)}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Time value={d.lastAttemptAt} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export default function WebhooksPage() {
  const hooks = useWebhooks();
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Signed POSTs of Airlock's events to your systems, retried with backoff."
      >
        <WebhookRegistration />
      </PageHeader>
      {hooks.isPending ? (
        <ListSkeleton rows={3} label="Loading webhooks" />
      ) : hooks.isError ? (
        <QueryError error={hooks.error} what="The webhooks" />
      ) : hooks.data.webhooks.length === 0 ? (
        <Empty title="No webhook is registered." />
      ) : (
        <Paper withBorder radius="md">
          <Accordion multiple chevronPosition="left" aria-label="Webhooks">
            {hooks.data.webhooks.map((w) => (
              <Accordion.Item key={w.id} value={w.id}>
                <Accordion.Control>
                  <Group justify="space-between" wrap="nowrap">
                    <Stack gap={0}>
                      <Text fw={600} size="sm" ff="monospace">
                        {w.url}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {w.eventTypes.join(", ")}
                        {w.description ? ` · ${w.description}` : ""}
                      </Text>
                    </Stack>
                    <Group gap={4} wrap="nowrap">
                      {w.disabledAt && <Badge color="gray">disabled</Badge>}
                      {w.internal && <Badge variant="light">internal</Badge>}
                    </Group>
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <WebhookControls webhook={w} />
                  <Deliveries webhook={w} />
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </Paper>
      )}
    </>
  );
}
