import { Button, Group, NativeSelect, Select, TextInput } from "@mantine/core";
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
  return (
    <Group gap="sm" align="flex-end" wrap="wrap" mb="md">
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
        <Button variant="subtle" onClick={() => onChange({})}>
          Clear filters
        </Button>
      )}
    </Group>
  );
}
