// Start a batch from a selection: the rows of a finished lookup's result (`?from=<run id>`,
// selected one by one or all at once; `&select=all` selects every row, as the result page's link
// does), a CSV pasted or uploaded, or one of the caller's saved queries (`?savedQuery=<id>`, run by
// the server at preview and again at start). The selection is previewed (count, totals, refused rows or
// lines with reasons, whether a second person must approve), then started on exactly the
// previewed item set.
import {
  Alert,
  Button,
  Checkbox,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
} from "@mantine/core";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import type { BulkPreview } from "../../api/bulk.ts";
import { newIdempotencyKey, useActions } from "../api/actions.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { ReviewerPicker, reviewerChoiceOf } from "../notify/ReviewerPicker.tsx";
import { type BulkSelection, previewBatch, startBatch, useSavedQueries, useSourceRun } from "./bulk-api.ts";
import { CsvInput } from "./CsvInput.tsx";
import { money } from "./money.ts";
import { resultRows } from "./result-rows.ts";

export default function BulkNewPage() {
  const [search] = useSearchParams();
  const from = search.get("from") ?? "";
  const [source, setSource] = useState<"rows" | "csv" | "saved">(
    from ? "rows" : search.get("savedQuery") ? "saved" : "csv",
  );
  const [savedQuery, setSavedQuery] = useState(search.get("savedQuery") ?? "");
  const saved = useSavedQueries(true);
  const [action, setAction] = useState(search.get("action") ?? "");
  const actions = useActions();
  const run = useSourceRun(from);
  const api = useApi();
  const navigate = useNavigate();
  const rows = useMemo(() => resultRows(run.data?.result) ?? [], [run.data]);
  const columns = useMemo(() => [...new Set(rows.flatMap((r) => Object.keys(r)))], [rows]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [csv, setCsv] = useState("");
  const [preview, setPreview] = useState<BulkPreview | null>(null);
  const [reason, setReason] = useState("");
  const [reviewers, setReviewers] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newIdempotencyKey);
  const chosen = useMemo(() => rows.filter((_, i) => selected.has(i)), [rows, selected]);
  const choices = useMemo(
    () =>
      (actions.data ?? [])
        .filter((a) => a.bulk && a.permissions.run)
        .map((a) => ({ value: a.name, label: `${a.title} (${a.name})` })),
    [actions.data],
  );
  // The only action that can run in bulk needs no choosing.
  useEffect(() => {
    if (action === "" && choices.length === 1) setAction(choices[0]!.value);
  }, [action, choices]);
  const selectedAll = useRef(false);
  useEffect(() => {
    if (selectedAll.current || search.get("select") !== "all" || rows.length === 0) return;
    selectedAll.current = true;
    setSelected(new Set(rows.map((_, i) => i)));
  }, [rows, search]);

  if (from && run.isPending) return <PageLoader />;
  if (from && run.isError) return <QueryError error={run.error} what="the lookup's result" />;

  const selection: BulkSelection =
    source === "rows" ? { rows: chosen } : source === "saved" ? { savedQuery } : { csv };
  const empty =
    source === "rows" ? chosen.length === 0 : source === "saved" ? savedQuery === "" : csv.trim() === "";
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
  const unit = source === "csv" ? "Line" : "Row";
  const sources = [
    ...(from ? [{ value: "rows", label: "Rows of the result" }] : []),
    { value: "csv", label: "A CSV" },
    { value: "saved", label: "A saved query" },
  ];

  return (
    <Stack gap="md">
      <PageHeader
        title="Run in bulk"
        description={
          from && run.data
            ? `Rows of run ${from} (${run.data.action}), a CSV, or a saved query`
            : "From a CSV or a saved query"
        }
      />
      <Select
        label="Action to run on each item"
        placeholder={actions.isPending ? "Loading actions…" : "Pick an action"}
        data={choices}
        value={action || null}
        onChange={(v) => {
          setPreview(null);
          setAction(v ?? "");
        }}
        searchable
        nothingFoundMessage="No action you may run allows bulk runs"
        w={420}
      />
      <SegmentedControl
        w={from ? 480 : 320}
        aria-label="Items from"
        value={source}
        onChange={(v) => {
          setPreview(null);
          setSource(v as "rows" | "csv" | "saved");
        }}
        data={sources}
      />
      {source === "saved" ? (
        <Select
          label="Saved query"
          description="It runs now, as you, and its rows are the items; it runs again when you start the batch."
          placeholder={saved.isPending ? "Loading your saved queries…" : "Pick a saved query"}
          data={(saved.data ?? []).map((q) => ({ value: q.id, label: `${q.name} (${q.action})` }))}
          value={savedQuery || null}
          onChange={(v) => {
            setPreview(null);
            setSavedQuery(v ?? "");
          }}
          nothingFoundMessage="You have no saved query yet: save one under a SQL action's result"
          w={420}
        />
      ) : source === "csv" ? (
        <CsvInput
          value={csv}
          onChange={(next) => {
            setPreview(null);
            setCsv(next);
          }}
          onError={setError}
        />
      ) : (
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
      )}
      <Group>
        <Button
          disabled={empty || action === "" || busy}
          onClick={() => act(async () => setPreview(await previewBatch(api, action, selection)))}
        >
          {source === "rows"
            ? `Preview ${chosen.length} ${chosen.length === 1 ? "row" : "rows"}`
            : source === "saved"
              ? "Run the query and preview"
              : "Preview the CSV"}
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
                <Text key={r.row} size="sm" data-refused-row={r.row}>
                  {unit} {r.row}
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
          {preview.needsApproval && preview.reviewerOptions ? (
            <ReviewerPicker
              id="batch-reviewers"
              what="batch"
              action={action}
              offered={preview.reviewerOptions}
              value={reviewers}
              onChange={setReviewers}
              disabled={busy}
            />
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
                    {
                      action,
                      ...selection,
                      itemSetHash: preview.itemSetHash,
                      ...(reason ? { reason } : {}),
                      ...(preview.needsApproval && preview.reviewerOptions
                        ? { reviewers: reviewerChoiceOf(reviewers) }
                        : {}),
                    },
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
