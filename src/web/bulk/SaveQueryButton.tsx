// "Save as query" under a read-only SQL action's result: keeps the action and the parameters of
// this run under a name, to start bulk batches from its rows later (/bulk/new, "A saved query").
// Offered only when the run's parameters are all shown as they were sent: a classified parameter
// reaches the browser masked, and a query saved with a mask would not be the one that ran (such a
// query is saved through the API with its real parameters).
import { Anchor, Button, Group, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import type { ActionDetail } from "../../api/actions.ts";
import type { SavedQuery } from "../../api/saved-queries.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { piiPathsOf } from "../result/result-shape.ts";

export function SaveQueryButton({
  action,
  params,
}: {
  action: ActionDetail | undefined;
  params: Record<string, unknown> | null | undefined;
}) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [saved, setSaved] = useState<SavedQuery | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!action?.savedQuery || !action.permissions.run || !params) return null;
  if (piiPathsOf(action.paramsSchema).length > 0) return null;
  if (saved)
    return (
      <Text size="sm" data-saved-query={saved.id}>
        Saved as “{saved.name}”.{" "}
        <Anchor component={Link} to={`/bulk/new?savedQuery=${encodeURIComponent(saved.id)}`}>
          Run an action in bulk from it
        </Anchor>
      </Text>
    );
  if (!open)
    return (
      <Group>
        <Button variant="default" size="xs" onClick={() => setOpen(true)}>
          Save as query
        </Button>
      </Group>
    );
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { name, action: action.name, params };
      setSaved((await api.send<SavedQuery>("POST", "/api/v1/saved-queries", body)).data);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group align="flex-end">
      <TextInput
        label="Name of the saved query"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        maxLength={100}
        w={320}
      />
      <Button size="sm" disabled={busy || name.trim() === ""} onClick={save}>
        Save
      </Button>
      {error ? <ErrorNotice error={error} /> : null}
    </Group>
  );
}
