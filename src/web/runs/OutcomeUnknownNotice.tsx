// A run whose call to another system may have taken effect, with no answer saying whether it did
// (docs/resources.md, "Exactly once"). The page says so before anything else, with the key that
// makes a retry safe and what a new key would risk.
import { Alert, Button, Code, Group, List, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { useNavigate } from "react-router";
import type { Run } from "../../api/runs.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";
import { useCurrentUser } from "../api/session.ts";
import { CopyText } from "../components/CopyText.tsx";
import { useToast } from "../components/toasts.tsx";
import { useConfirm } from "../components/useConfirm.tsx";

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
        {key && <RetryWithSameKey run={run} idempotencyKey={key} resource={resource} />}
      </Stack>
    </Alert>
  );
}

/**
 * The safe retry in one click, for the requester (the key is theirs): the server sends the run's
 * stored parameters again with its key, and the page moves to the new run.
 */
function RetryWithSameKey({
  run,
  idempotencyKey,
  resource,
}: {
  run: Run;
  idempotencyKey: string;
  resource: string;
}) {
  const me = useCurrentUser();
  const api = useApi();
  const navigate = useNavigate();
  const toast = useToast();
  const [confirm, dialog] = useConfirm();
  const [busy, setBusy] = useState(false);
  if (me.user.id !== run.actorId) return null;

  async function retry() {
    const ok = await confirm({
      title: `Retry ${run.action} with key ${idempotencyKey}?`,
      message: `The same parameters are sent again with the same key: ${resource} answers what it did the first time instead of doing it twice.`,
      confirm: "Retry with the same key",
    });
    if (!ok) return;
    setBusy(true);
    try {
      const { data } = await api.send<Run>("POST", `/api/v1/runs/${encodeURIComponent(run.id)}/retry`, {});
      toast({ kind: "success", title: data.status === "succeeded" ? "The retry succeeded" : "Retry sent" });
      navigate(`/runs/${data.id}`);
    } catch (error) {
      const runId = error instanceof ApiError ? error.details.runId : undefined;
      toast({
        kind: "failure",
        title: "The retry did not succeed",
        message: error instanceof Error ? error.message : String(error),
      });
      if (typeof runId === "string" && runId !== run.id) navigate(`/runs/${runId}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Group>
      <Button color="orange" variant="filled" size="sm" loading={busy} onClick={() => void retry()}>
        Retry with the same key
      </Button>
      {dialog}
    </Group>
  );
}
