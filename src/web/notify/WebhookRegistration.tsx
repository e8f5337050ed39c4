// Registering a webhook: URL, event types, a description, and whether a private address is
// allowed. The signing secret is in the server's answer only, so it is shown here once, to copy.
import { Alert, Button, Checkbox, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { type CreatedWebhook, WEBHOOK_EVENT_TYPES } from "../../api/webhooks.ts";
import { CopyText } from "../components/CopyText.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { useWebhookChanges } from "./webhooks-api.ts";

export function WebhookRegistration() {
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState("");
  const [eventTypes, setEventTypes] = useState<string[]>(["approval.decided", "run.failed"]);
  const [description, setDescription] = useState("");
  const [internal, setInternal] = useState(false);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const { register } = useWebhookChanges();
  const close = () => {
    setOpen(false);
    setCreated(null);
    setUrl("");
    setDescription("");
    setInternal(false);
    register.reset();
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>Register a webhook</Button>
      <Modal opened={open} onClose={close} title="Register a webhook">
        {created ? (
          <Stack>
            <Alert color="teal" title="Registered: copy the signing secret now">
              <Text size="sm" mb="xs">
                This is the only time it is shown. Your receiver checks <code>X-Airlock-Signature</code> with
                it.
              </Text>
              <CopyText value={created.secret} label="signing secret" />
            </Alert>
            <Group justify="flex-end">
              <Button onClick={close}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              register.mutate(
                {
                  url,
                  eventTypes: eventTypes as (typeof WEBHOOK_EVENT_TYPES)[number][],
                  internal,
                  ...(description.trim() ? { description: description.trim() } : {}),
                },
                { onSuccess: (answer) => setCreated(answer) },
              );
            }}
          >
            <Stack>
              <TextInput
                label="URL"
                required
                placeholder="https://ops.example.com/airlock"
                value={url}
                onChange={(e) => setUrl(e.currentTarget.value)}
              />
              <Checkbox.Group label="Events" value={eventTypes} onChange={setEventTypes} required>
                <Stack gap={4} mt={4}>
                  {WEBHOOK_EVENT_TYPES.map((type) => (
                    <Checkbox key={type} value={type} label={type} />
                  ))}
                </Stack>
              </Checkbox.Group>
              <TextInput
                label="Description"
                value={description}
                onChange={(e) => setDescription(e.currentTarget.value)}
              />
              <Checkbox
                label="Internal: allow a private or loopback address"
                checked={internal}
                onChange={(e) => setInternal(e.currentTarget.checked)}
              />
              {register.isError && <ErrorNotice error={register.error} />}
              <Group justify="flex-end">
                <Button type="submit" loading={register.isPending} disabled={eventTypes.length === 0}>
                  Register
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
