// Demo mode: every email Airlock sent to the local mail sink, newest first, with its delivery
// status — "not delivered yet (2 attempts, last error …)" when the relay refused it.
import { Accordion, Badge, Group, Paper, Stack, Text } from "@mantine/core";
import type { Notification } from "../../api/notifications.ts";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { useMailbox } from "./mailbox-api.ts";

export function deliveryText(n: Pick<Notification, "status" | "attempts" | "lastError">): string {
  const attempts = `${n.attempts} attempt${n.attempts === 1 ? "" : "s"}`;
  if (n.status === "delivered") return "Delivered";
  const last = n.lastError ? `, last error: ${n.lastError}` : "";
  if (n.status === "failed") return `Not delivered, gave up (${attempts}${last})`;
  return n.attempts === 0 ? "Sending…" : `Not delivered yet (${attempts}${last})`;
}

function Message({ mail }: { mail: Notification }) {
  return (
    <Accordion.Item value={mail.id} data-mail={mail.id}>
      <Accordion.Control>
        <Group justify="space-between" wrap="nowrap" gap="md">
          <Stack gap={0}>
            <Text fw={600} size="sm">
              {mail.subject}
            </Text>
            <Text size="xs" c="dimmed">
              To {mail.to} · <Time value={mail.createdAt} />
            </Text>
          </Stack>
          <Badge color={mail.status === "delivered" ? "teal" : mail.status === "failed" ? "red" : "yellow"}>
            {deliveryText(mail)}
          </Badge>
        </Group>
      </Accordion.Control>
      <Accordion.Panel>
        <Text component="pre" size="sm" ff="monospace" style={{ whiteSpace: "pre-wrap" }}>
          {mail.text}
        </Text>
      </Accordion.Panel>
    </Accordion.Item>
  );
}

export default function MailboxPage() {
  const mailbox = useMailbox();
  return (
    <>
      <PageHeader
        title="Mailbox"
        description="Demo mode: the emails Airlock sent to its local mail sink. In production they go to the relay in AIRLOCK_SMTP_URL."
      />
      {mailbox.isPending ? (
        <ListSkeleton rows={4} label="Loading the mailbox" />
      ) : mailbox.isError ? (
        <QueryError error={mailbox.error} what="The mailbox" />
      ) : mailbox.data === null ? (
        <Empty title="The Mailbox exists in demo mode only, for admins." />
      ) : mailbox.data.notifications.length === 0 ? (
        <Empty title="No email sent yet. Request an approval to see one arrive." />
      ) : (
        <Paper withBorder radius="md">
          <Accordion multiple chevronPosition="left" aria-label="Emails sent">
            {mailbox.data.notifications.map((mail) => (
              <Message key={mail.id} mail={mail} />
            ))}
          </Accordion>
        </Paper>
      )}
    </>
  );
}
