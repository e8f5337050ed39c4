// The start form's second stage, shown only when the parameters entered lead to approval gates
// that let the starter pick reviewers (POST /api/v1/runbooks/{name}/preview): one picker per gate,
// offering the gate's eligible reviewers, and a confirmation naming whom each gate will ask. The
// server checks the picks again at the start and when each gate opens.
import { Alert, Button, Group, List, Paper, Stack, Text } from "@mantine/core";
import { useState } from "react";
import type { RunbookPreview } from "../../api/runbooks.ts";
import type { ReviewerChoice } from "../../api/runs.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ReviewerPicker, reviewerChoiceOf } from "../notify/ReviewerPicker.tsx";

type Gate = RunbookPreview["gates"][number];

/** The picked values as people read them ("Mia Manager", "the managers group"). */
function labelsOf(gate: Gate, values: readonly string[]): string[] {
  return values.map((v) => {
    if (v.startsWith("group:")) return `the ${v.slice(6)} group`;
    const id = v.slice(5);
    return gate.reviewerOptions.people.find((p) => p.id === id)?.name ?? id;
  });
}

export function GateReviewerChoice({
  runbook,
  gates,
  onBack,
  onStart,
}: {
  runbook: string;
  gates: Gate[];
  onBack: () => void;
  /** Starts the runbook with the picks, by gate step name; a thrown error is shown. */
  onStart: (gateReviewers: Record<string, ReviewerChoice>) => Promise<void>;
}) {
  const [picks, setPicks] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const chosen: Record<string, ReviewerChoice> = {};
      for (const gate of gates) {
        const choice = reviewerChoiceOf(picks[gate.step] ?? []);
        if (choice) chosen[gate.step] = choice;
      }
      await onStart(chosen);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder radius="md" p="md" data-gate-reviewers>
      <Stack gap="md">
        <Text fw={600} size="sm">
          Choose who approves
        </Text>
        <Text size="sm" c="dimmed">
          With these parameters the runbook waits for approval at{" "}
          {gates.length === 1 ? "a gate that lets" : `${gates.length} gates that let`} you pick its reviewers.
        </Text>
        {gates.map((gate) => (
          <ReviewerPicker
            key={gate.step}
            id={`gate-reviewers-${gate.step}`}
            action={runbook}
            label={`Reviewers at ${gate.step}`}
            what="runbook"
            offered={gate.reviewerOptions}
            value={picks[gate.step] ?? []}
            onChange={(value) => setPicks((p) => ({ ...p, [gate.step]: value }))}
            disabled={busy}
          />
        ))}
        <Alert color="blue" variant="light" title="Starting asks">
          <List size="sm" aria-label="Whom each gate asks">
            {gates.map((gate) => {
              const names = labelsOf(gate, picks[gate.step] ?? []);
              return (
                <List.Item key={gate.step}>
                  {gate.step}: {names.length > 0 ? `only ${names.join(", ")}` : "every eligible reviewer"}
                </List.Item>
              );
            })}
          </List>
        </Alert>
        {error !== null && <ErrorNotice error={error} title="The server refused this" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onBack} disabled={busy}>
            Back
          </Button>
          <Button onClick={() => void start()} loading={busy}>
            Confirm and start
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
