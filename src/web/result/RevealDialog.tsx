import { Alert, Button, Code, Group, Modal, Stack, Text } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useApi } from "../api/context.ts";
import { revealField } from "../api/runs.ts";
import { CopyIconButton } from "../components/CopyText.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { piiLabel } from "../form/SensitiveBadge.tsx";
import { RevealReason } from "./RevealReason.tsx";

const MIN_REASON = 5;

/**
 * Asks why, reveals one masked value (audited as pii.revealed), and shows it once: the value lives
 * in this dialog's state only — never in the query cache — and is gone when the dialog closes.
 */
export function RevealDialog(props: {
  opened: boolean;
  onClose: () => void;
  runId: string;
  path: (string | number)[];
  piiClass: string;
  label: string;
}) {
  const api = useApi();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [value, setValue] = useState<string | null>(null);

  function close() {
    setValue(null);
    setReason("");
    setError(null);
    setReasonError(null);
    props.onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (reason.trim().length < MIN_REASON) {
      setReasonError(`Say why you need to see it (at least ${MIN_REASON} characters)`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const revealed = await revealField(api, props.runId, props.path, reason.trim());
      setValue(typeof revealed.value === "string" ? revealed.value : JSON.stringify(revealed.value));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={props.opened} onClose={close} title={`Reveal ${props.label}`} size="md" centered>
      {value === null ? (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <Text size="sm">
              This is {piiLabel(props.piiClass)} data. Revealing it is recorded in the audit trail with your
              name and reason.
            </Text>
            <RevealReason
              description="For example the ticket you are working on"
              value={reason}
              error={reasonError}
              onChange={(value) => {
                setReason(value);
                setReasonError(null);
              }}
            />
            {error !== null && <ErrorNotice error={error} title="Not revealed" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Reveal
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack gap="md">
          <Alert color="yellow" variant="light" title="Shown once">
            This value is not stored in your browser. Close this dialog when you are done.
          </Alert>
          <Code block data-revealed-value>
            {value}
          </Code>
          <Group justify="space-between">
            <Group gap={4}>
              <CopyIconButton value={value} label={props.label} />
              <Text size="xs" c="dimmed">
                Copy
              </Text>
            </Group>
            <Button onClick={close} data-autofocus>
              Hide
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
