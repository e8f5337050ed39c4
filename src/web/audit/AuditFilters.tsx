import { Button, Group, NativeSelect, SimpleGrid, TextInput } from "@mantine/core";
import { type FormEvent, useEffect, useState } from "react";
import { useActions } from "../api/actions.ts";
import type { AuditFilters as Filters } from "../api/audit.ts";
import { PersonPicker } from "./PersonPicker.tsx";

const OUTCOMES = ["success", "failure", "denied", "pending", "info"];

/** Filters are typed, then applied together (Enter or "Search"), so each search is one audited read. */
export function AuditFilters({ value, onApply }: { value: Filters; onApply: (next: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(value);
  const actions = useActions();
  useEffect(() => setDraft(value), [value]);
  const set = (key: keyof Filters) => (v: string) => setDraft((d) => ({ ...d, [key]: v || undefined }));
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(Object.fromEntries(Object.entries(draft).filter(([, v]) => v && String(v).trim())) as Filters);
  }
  const text = (key: keyof Filters, label: string, placeholder?: string) => (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={draft[key] ?? ""}
      onChange={(e) => set(key)(e.currentTarget.value)}
      autoComplete="off"
      {...(key === "requestId" ? { "data-audit-request-id": "" } : {})}
    />
  );
  return (
    <form onSubmit={submit} aria-label="Audit filters">
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="sm" verticalSpacing="xs" mb="sm">
        {text("requestId", "Request ID", "req_…")}
        {text("runId", "Run ID", "run_…")}
        <PersonPicker label="Person" value={draft.actorId} onChange={(id) => set("actorId")(id ?? "")} />
        <NativeSelect
          label="Action"
          value={draft.action ?? ""}
          onChange={(e) => set("action")(e.currentTarget.value)}
          data={[
            { value: "", label: "Any action" },
            ...(draft.action && !actions.data?.some((a) => a.name === draft.action)
              ? [{ value: draft.action, label: draft.action }]
              : []),
            ...(actions.data ?? []).map((a) => ({ value: a.name, label: `${a.title} (${a.name})` })),
          ]}
        />
        {text("targetType", "Target type", "e.g. account")}
        {text("targetId", "Target ID")}
        {text("type", "Event type", "e.g. run.succeeded")}
        <NativeSelect
          label="Outcome"
          value={draft.outcome ?? ""}
          onChange={(e) => set("outcome")(e.currentTarget.value)}
          data={[{ value: "", label: "Any outcome" }, ...OUTCOMES]}
        />
        <TextInput
          label="From"
          type="date"
          value={draft.from ?? ""}
          onChange={(e) => set("from")(e.currentTarget.value)}
        />
        <TextInput
          label="Until (before)"
          type="date"
          value={draft.to ?? ""}
          onChange={(e) => set("to")(e.currentTarget.value)}
        />
      </SimpleGrid>
      <Group gap="sm" mb="md">
        <Button type="submit">Search</Button>
        <Button
          variant="subtle"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          Clear
        </Button>
      </Group>
    </form>
  );
}
