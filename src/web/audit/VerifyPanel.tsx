import { Alert, Button, Code, Group, Stack, Text } from "@mantine/core";
import { useState } from "react";
import type { VerifyProblem } from "../../api/audit.ts";
import { useAuditVerification } from "../api/audit.ts";
import { QueryError } from "../components/States.tsx";

/** The first bad record, in words: what happened to which event in which seal. */
function describeProblem(problem: VerifyProblem | undefined): string {
  if (!problem) return "A record does not match its seal.";
  const what = problem.kind ? problem.kind.replaceAll("_", " ") : "changed";
  const where = [
    problem.eventId ? `event ${problem.eventId}` : null,
    problem.sealId ? `seal ${problem.sealId}` : null,
  ]
    .filter(Boolean)
    .join(", ");
  return `First bad record: ${what}${where ? ` (${where})` : ""}. ${problem.detail ?? ""}`.trim();
}

function count(value: unknown): string {
  return Number(value ?? 0).toLocaleString("en-US");
}

/** "Verify integrity": the server re-checks the seals of the audit trail and names the first bad record. */
export function VerifyPanel() {
  const [asked, setAsked] = useState(0);
  const verification = useAuditVerification(asked > 0, { attempt: asked });
  const v = verification.data;
  return (
    <Stack gap="sm">
      <Group gap="sm">
        <Button variant="default" onClick={() => setAsked((n) => n + 1)} loading={verification.isFetching}>
          Verify integrity
        </Button>
        <Text size="xs" c="dimmed">
          Checks every sealed record for edits, deletions, insertions and reordering.
        </Text>
      </Group>
      {verification.isError && <QueryError error={verification.error} what="Verification" />}
      {v &&
        !verification.isFetching &&
        (v.ok ? (
          <Alert
            color="teal"
            variant="light"
            title="The audit trail is intact"
            role="status"
            data-verify-result="ok"
          >
            {typeof v.events === "number"
              ? `${count(v.events)} sealed events in ${count(v.seals)} seals check out${
                  Number(v.unsealed ?? 0) > 0 ? `; ${count(v.unsealed)} newer events are not sealed yet` : ""
                }.`
              : "Every sealed record checks out."}
          </Alert>
        ) : (
          <Alert color="red" variant="light" title="Tampering detected" role="alert" data-verify-result="bad">
            <Stack gap={4}>
              <Text size="sm">{describeProblem(v.problem)}</Text>
              <Code block>{JSON.stringify(v.problem ?? v, null, 2)}</Code>
            </Stack>
          </Alert>
        ))}
    </Stack>
  );
}
