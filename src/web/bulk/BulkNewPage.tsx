// Start a batch from a lookup's result: the rows of a finished run (`?from=<run id>`), selected
// one by one or all at once, previewed (count, totals, refused rows with reasons, whether a second
// person must approve), then started on exactly the previewed item set.
import { Alert, Button, Checkbox, Group, Stack, Table, Text, Textarea, TextInput } from "@mantine/core";
import { useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import type { BulkPreview } from "../../api/bulk.ts";
import { newIdempotencyKey } from "../api/actions.ts";
import { useApi } from "../api/context.ts";
import { useRun } from "../api/runs.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { previewBatch, startBatch } from "./bulk-api.ts";
import { money } from "./money.ts";

function rowsOf(result: unknown): Record<string, unknown>[] {
  const list = Array.isArray(result)
    ? result
    : result && typeof result === "object" && Array.isArray((result as { rows?: unknown }).rows)
      ? (result as { rows: unknown[] }).rows
      : [];
  return list.filter(
    (r): r is Record<string, unknown> => r !== null && typeof r === "object" && !Array.isArray(r),
  );
}

export default function BulkNewPage() {
  const [search] = useSearchParams();
  const from = search.get("from") ?? "";
  const [action, setAction] = useState(search.get("action") ?? "");
  const run = useRun(from);
  const api = useApi();
  const navigate = useNavigate();
  const rows = useMemo(() => rowsOf(run.data?.result), [run.data]);
  const columns = useMemo(() => [...new Set(rows.flatMap((r) => Object.keys(r)))], [rows]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [preview, setPreview] = useState<BulkPreview | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newIdempotencyKey);
  const chosen = useMemo(() => rows.filter((_, i) => selected.has(i)), [rows, selected]);

  if (!from)
    return (
      <QueryError
        error={new Error("Open this page from a lookup's result (?from=<run id>).")}
        what="the rows"
      />
    );
  if (run.isPending) return <PageLoader />;
  if (run.isError) return <QueryError error={run.error} what="the lookup's result" />;

  const toggle = (index: number) => {
    setPreview(null);
    setSelected((now) => {
      const next = new Set(now);
      if (next.has(index)) next.delete(index);
      else next.add(index);
      return next;
    });
  };
  const all = selected.size === rows.length && rows.length > 0;
  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="md">
      <PageHeader title="Run in bulk" description={`Rows of run ${from} (${run.data.action})`} />
      <TextInput
        label="Action to run on each row"
        value={action}
        onChange={(e) => setAction(e.currentTarget.value)}
        w={320}
      />
      <Table striped withTableBorder aria-label="Rows to act on">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>
              <Checkbox
                aria-label="Select all rows"
                checked={all}
                indeterminate={selected.size > 0 && !all}
                onChange={() => {
                  setPreview(null);
                  setSelected(all ? new Set() : new Set(rows.map((_, i) => i)));
                }}
              />
            </Table.Th>
            {columns.map((c) => (
              <Table.Th key={c}>{c}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows of a finished run never reorder
            <Table.Tr key={i}>
              <Table.Td>
                <Checkbox
                  aria-label={`Select row ${i + 1}`}
                  checked={selected.has(i)}
                  onChange={() => toggle(i)}
                />
              </Table.Td>
              {columns.map((c) => (
                <Table.Td key={c}>{row[c] === null || row[c] === undefined ? "" : String(row[c])}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button
          disabled={chosen.length === 0 || action === "" || busy}
          onClick={() => act(async () => setPreview(await previewBatch(api, action, chosen)))}
        >
          Preview {chosen.length} {chosen.length === 1 ? "row" : "rows"}
        </Button>
      </Group>
      {error ? <ErrorNotice error={error} /> : null}
      {preview ? (
        <Stack gap="sm" data-bulk-preview>
          <Text fw={600}>
            {preview.count} items · total {money(preview.totals)}
          </Text>
          {preview.refused.length > 0 ? (
            <Alert color="yellow" title={`${preview.refused.length} refused`}>
              {preview.refused.map((r) => (
                <Text key={r.row} size="sm">
                  Row {r.row}
                  {r.ref ? ` (${r.ref})` : ""}: {r.reason}
                </Text>
              ))}
            </Alert>
          ) : null}
          {preview.needsApproval ? (
            <Alert color="blue" title="Needs a second person">
              {preview.policies.map((p) => p.because ?? p.name).join("; ")}
            </Alert>
          ) : null}
          <Textarea
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            maxLength={1000}
          />
          <Group>
            <Button
              disabled={busy || preview.count === 0}
              onClick={() =>
                act(async () => {
                  const batch = await startBatch(
                    api,
                    { action, rows: chosen, itemSetHash: preview.itemSetHash, ...(reason ? { reason } : {}) },
                    key,
                  );
                  navigate(`/bulk/${batch.id}`);
                })
              }
            >
              Start batch of {preview.count}
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Stack>
  );
}
