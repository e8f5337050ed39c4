// A human step's form, inline on the runbook run's page for its assignee: drawn from the step's
// form (JSON Schema generated from the runbook's zod schema), answered through the API, which
// checks the answer again and says which field is wrong.
import { Paper, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useApi } from "../api/context.ts";
import { answerHumanStep, type RunbookRun, type RunbookStep } from "./runbooks-api.ts";
import { SchemaForm } from "./SchemaForm.tsx";

export function HumanStepForm({ run, step }: { run: RunbookRun; step: RunbookStep }) {
  const api = useApi();
  const queries = useQueryClient();
  return (
    <Paper withBorder radius="md" p="md" bg="yellow.0" data-human-step-form={step.name}>
      <Stack gap="sm">
        <Text fw={600} size="sm">
          Your answer is needed
        </Text>
        <Text size="xs" c="dimmed">
          Your answer is kept in the audit trail with your name; the runbook continues with it.
        </Text>
        <SchemaForm
          schema={step.form}
          label={step.title ?? step.name}
          submitLabel="Send answer"
          onSubmit={async (answer) => {
            const answered = await answerHumanStep(api, run.id, step.name, answer);
            queries.setQueryData(["runbook-run", run.id], answered.runbookRun);
            void queries.invalidateQueries({ queryKey: ["runbook-run", run.id] });
            void queries.invalidateQueries({ queryKey: ["runbook-inputs"] });
          }}
        />
      </Stack>
    </Paper>
  );
}
