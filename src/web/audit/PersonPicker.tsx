import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { type AuditActor, useAuditActors } from "../api/audit.ts";

function optionLabel(actor: AuditActor): string {
  return actor.email ? `${actor.name} <${actor.email}>` : `${actor.name} (${actor.kind})`;
}

/** A person (or service identity) chosen by name or email; the value is their user ID. */
export function PersonPicker({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string | undefined;
  onChange: (id: string | undefined) => void;
}) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const [chosen, setChosen] = useState<AuditActor | null>(null);
  const found = useAuditActors(debounced);
  // A filter that came in the address (?actorId=usr_…): find its name by the ID.
  const known = useAuditActors(value ?? "", !!value && chosen?.id !== value);
  const current = chosen?.id === value ? chosen : (known.data?.find((a) => a.id === value) ?? null);
  const options = [...(current ? [current] : []), ...(found.data ?? []).filter((a) => a.id !== current?.id)];
  return (
    <Select
      label={label}
      placeholder="Name or email"
      searchable
      clearable
      data={options.map((a) => ({ value: a.id, label: optionLabel(a) }))}
      value={value ?? null}
      onChange={(id) => {
        setChosen(options.find((a) => a.id === id) ?? null);
        onChange(id ?? undefined);
      }}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      nothingFoundMessage={
        debounced.trim()
          ? found.isPending
            ? "Searching…"
            : "Nobody by that name or email"
          : "Type a name or email"
      }
      comboboxProps={{ withinPortal: true }}
    />
  );
}
