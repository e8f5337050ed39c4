import { Button, CloseButton, Group, NativeSelect, Select, TextInput } from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { useState } from "react";
import { useActions } from "../api/actions.ts";
import type { RunFilters as Filters } from "../api/runs.ts";
import { statusLabel } from "../components/Badges.tsx";

const STATUSES = [
  "pending_approval",
  "approved",
  "queued",
  "running",
  "succeeded",
  "failed",
  "rejected",
  "expired",
  "cancelled",
];

export function RunFilters({ value, onChange }: { value: Filters; onChange: (next: Filters) => void }) {
  const actions = useActions("");
  const set = (key: keyof Filters, v: string | null) => onChange({ ...value, [key]: v || undefined });
  const any = Object.values(value).some(Boolean);
  // The box keeps its own text; the search (and the address) follows once typing pauses.
  const [text, setText] = useState(value.q ?? "");
  const search = useDebouncedCallback((q: string) => onChange({ ...value, q: q.trim() || undefined }), 300);
  return (
    <Group gap="sm" align="flex-end" wrap="wrap" mb="md">
      <TextInput
        label="Search"
        type="search"
        placeholder="Account, amount, person, error…"
        w={240}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          search(e.currentTarget.value);
        }}
      />
      <Select
        label="Action"
        placeholder="Any action"
        searchable
        clearable
        w={220}
        data={(actions.data ?? []).map((a) => ({ value: a.name, label: a.title }))}
        value={value.action ?? null}
        onChange={(v) => set("action", v)}
        nothingFoundMessage="No such action"
      />
      <NativeSelect
        label="Who"
        w={150}
        value={value.actor ?? ""}
        onChange={(e) => set("actor", e.currentTarget.value)}
        data={[
          { value: "", label: "Anyone" },
          { value: "me", label: "Me" },
        ]}
      />
      <NativeSelect
        label="Status"
        w={190}
        value={value.status ?? ""}
        onChange={(e) => set("status", e.currentTarget.value)}
        data={[
          { value: "", label: "Any status" },
          ...STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
        ]}
      />
      {value.batch ? (
        <TextInput
          label="Batch"
          w={260}
          readOnly
          value={value.batch}
          rightSection={<CloseButton aria-label="Any batch" size="sm" onClick={() => set("batch", null)} />}
        />
      ) : null}
      <TextInput
        label="From"
        type="date"
        w={160}
        value={value.from ?? ""}
        onChange={(e) => set("from", e.currentTarget.value)}
      />
      <TextInput
        label="Until"
        description=""
        type="date"
        w={160}
        value={value.to ?? ""}
        onChange={(e) => set("to", e.currentTarget.value)}
      />
      {any && (
        <Button
          variant="subtle"
          onClick={() => {
            setText("");
            onChange({});
          }}
        >
          Clear filters
        </Button>
      )}
    </Group>
  );
}
