import { Alert, Button, Group, List, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { type FormEvent, useState } from "react";
import type { RevealedAll, Run } from "../../api/runs.ts";
import { useApi } from "../api/context.ts";
import { revealAll } from "../api/runs.ts";
import { canRevealClass, useCurrentUser } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { DownloadIcon, LockIcon } from "../components/icons.tsx";
import type { JsonSchema } from "../form/json-schema.ts";
import { piiLabel } from "../form/SensitiveBadge.tsx";
import { downloadText } from "./download.ts";
import { ResultView } from "./ResultView.tsx";
import { RevealReason } from "./RevealReason.tsx";
import { piiPathsOf } from "./result-shape.ts";
import { RevealContext } from "./reveal-context.ts";
import { countHeld, packageCsv, packageJson } from "./subject-access-package.ts";

const MIN_REASON = 5;

/** The classified fields holding a value in this run, and the classes they need. */
function heldFields(run: Run, paramsSchema: JsonSchema | null, outputSchema: JsonSchema | null) {
  const fields = [
    ...piiPathsOf(paramsSchema).map((f) => ({ ...f, values: countHeld(run.params, f.path) })),
    ...piiPathsOf(outputSchema).map((f) => ({ ...f, values: countHeld(run.result, f.path) })),
  ].filter((f) => f.values > 0);
  const classes = [...new Set(fields.map((f) => f.piiClass))].sort();
  return { values: fields.reduce((n, f) => n + f.values, 0), classes };
}

/**
 * "Reveal all" on a run holding personal data, for a subject access request: one reason, one audit
 * event, every masked field shown unmasked and downloadable as JSON or CSV built in this browser.
 * Offered when the person holds every needed `reveal:` grant (the server checks it again); someone
 * holding only some is told which ones are missing instead.
 */
export function RevealAllButton({
  run,
  paramsSchema,
  outputSchema,
}: {
  run: Run;
  paramsSchema: JsonSchema | null;
  outputSchema: JsonSchema | null;
}) {
  const me = useCurrentUser();
  const [opened, dialog] = useDisclosure(false);
  const held = heldFields(run, paramsSchema, outputSchema);
  const allowed = held.classes.filter((c) => canRevealClass(me, c, run.action));
  if (held.values === 0 || allowed.length === 0) return null;
  const missing = held.classes.filter((c) => !allowed.includes(c));
  if (missing.length > 0)
    return (
      <Text size="xs" c="dimmed" data-reveal-all-missing>
        Revealing everything at once needs {missing.map((c) => `reveal:${c}`).join(", ")}, which you do not
        hold.
      </Text>
    );
  return (
    <>
      <Button
        size="xs"
        variant="light"
        color="grape"
        leftSection={<LockIcon size={14} />}
        onClick={dialog.open}
      >
        Reveal all personal data
      </Button>
      <RevealAllDialog
        opened={opened}
        onClose={dialog.close}
        run={run}
        classes={held.classes}
        values={held.values}
      />
    </>
  );
}

function RevealAllDialog(props: {
  opened: boolean;
  onClose: () => void;
  run: Run;
  classes: string[];
  values: number;
}) {
  const api = useApi();
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // The unmasked package lives here only: gone when the dialog closes.
  const [revealed, setRevealed] = useState<RevealedAll | null>(null);

  function close() {
    setRevealed(null);
    setReason("");
    setReasonError(null);
    setError(null);
    props.onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (reason.trim().length < MIN_REASON) {
      setReasonError(`Say why, for example the request's ticket (at least ${MIN_REASON} characters)`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setRevealed(await revealAll(api, props.run.id, reason.trim()));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const fileName = `${props.run.action}-${props.run.id}-unmasked`;
  return (
    <Modal
      opened={props.opened}
      onClose={close}
      title="Reveal all personal data"
      size={revealed ? "xl" : "md"}
      centered
    >
      {revealed === null ? (
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <Text size="sm">
              For a subject access request: all {props.values} masked values of this run are revealed at once.
              It is recorded once in the audit trail with your name, your reason and the fields revealed
              (never their values).
            </Text>
            <List size="sm" spacing={2} aria-label="Kinds of personal data">
              {props.classes.map((c) => (
                <List.Item key={c}>{piiLabel(c)}</List.Item>
              ))}
            </List>
            <RevealReason
              description="For example the subject access request's ticket"
              value={reason}
              error={reasonError}
              onChange={(value) => {
                setReason(value);
                setReasonError(null);
              }}
            />
            {error !== null && <ErrorNotice error={error} title="Nothing was revealed" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={busy} color="grape">
                Reveal all
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Stack gap="md">
          <Alert color="yellow" variant="light" title="Shown once, stored nowhere" role="status">
            Airlock kept no copy. The downloads are made in this browser; hand them over and close this
            dialog.
          </Alert>
          <Group gap="sm">
            <Button
              size="xs"
              leftSection={<DownloadIcon size={14} />}
              onClick={() => downloadText(`${fileName}.json`, packageJson(revealed), "application/json")}
            >
              Download JSON
            </Button>
            <Button
              size="xs"
              variant="default"
              leftSection={<DownloadIcon size={14} />}
              onClick={() => downloadText(`${fileName}.csv`, packageCsv(revealed), "text/csv;charset=utf-8")}
            >
              Download CSV
            </Button>
          </Group>
          {/* No reveal scope: every value here is already unmasked. */}
          <RevealContext value={{ runId: null, section: "result", piiPaths: [], canReveal: () => false }}>
            <div data-revealed-all>
              <ResultView value={revealed.result} fileName={fileName} title="Unmasked result" />
            </div>
          </RevealContext>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
