// A run whose call to another system may have taken effect, with no answer saying whether it did
// (docs/resources.md, "Exactly once"). The page says so before anything else, with the key that
// makes a retry safe and what a new key would risk.
import { Alert, Code, List, Stack, Text } from "@mantine/core";
import type { Run } from "../../api/runs.ts";
import { CopyText } from "../components/CopyText.tsx";

export function OutcomeUnknownNotice({ run }: { run: Run }) {
  const error = run.error;
  if (!error?.outcomeUnknown) return null;
  const resource = typeof error.details?.resource === "string" ? error.details.resource : "the other system";
  const downstreamKey =
    typeof error.details?.idempotencyKey === "string" ? error.details.idempotencyKey : null;
  const key = run.idempotencyKey;
  return (
    <Alert color="orange" variant="light" title="Outcome unknown — check before retrying" role="alert">
      <Stack gap="xs">
        <Text size="sm">
          A call to <strong>{resource}</strong> may have taken effect, and no answer says whether it did.
          Airlock rolled back its own changes; {resource} may still have acted.
        </Text>
        <List size="sm" spacing={4}>
          <List.Item>
            Check {resource} first
            {downstreamKey && (
              <>
                {" "}
                for the request sent with idempotency key{" "}
                <CopyText value={downstreamKey} label="downstream key" size="xs" />
              </>
            )}
            .
          </List.Item>
          {key && (
            <List.Item>
              To retry safely, send the same request with the same idempotency key{" "}
              <CopyText value={key} label="idempotency key" size="xs" />: the run executes again and its calls
              carry the same keys, so {resource} answers what it did the first time instead of doing it twice.
              From the CLI:{" "}
              <Code>
                airlock run {run.action} … --idempotency-key {key}
              </Code>
            </List.Item>
          )}
          <List.Item>Do not run it again with a new request (a new key): that may do it twice.</List.Item>
        </List>
      </Stack>
    </Alert>
  );
}
