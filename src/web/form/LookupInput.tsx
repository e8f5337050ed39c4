import { Select, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { type FocusEvent, type ReactNode, useEffect, useState } from "react";
import { runAndWait, useAction } from "../api/actions.ts";
import { useApi } from "../api/context.ts";
import type { FieldModel } from "./field-model.ts";
import { isCurrencyCode } from "./money.ts";

interface Option {
  value: string;
  label: string;
  /** The target's currency, when the lookup says (amounts in the form follow it). */
  currency?: string;
}

const SEARCH_PARAMS = ["query", "q", "search"];

/** Options from a lookup action (`{ options: [{ value, label }] }`), run through the runs API. */
export function LookupInput(props: {
  id: string;
  field: FieldModel;
  label: ReactNode;
  description: ReactNode;
  value: string;
  error: string | null;
  onChange: (value: string) => void;
  /** The chosen option's label, for the confirmation step. */
  onLabel?: (label: string | null) => void;
  /** The chosen option's currency, when it has one. */
  onCurrency?: (currency: string | null) => void;
  onBlur: (event?: FocusEvent) => void;
}) {
  const api = useApi();
  const lookup = props.field.lookup ?? "";
  const lookupAction = useAction(lookup);
  // A lookup that takes a search text is asked as the person types; otherwise it is asked once.
  const searchParam = Object.keys(lookupAction.data?.paramsSchema.properties ?? {}).find((k) =>
    SEARCH_PARAMS.includes(k),
  );
  const [search, setSearch] = useState("");
  const [selectedLabel, setSelectedLabel] = useState<string | null>(null);
  const [debounced] = useDebouncedValue(search, 250);
  // The box shows the chosen option's label: that is not a search, so list everything.
  // A value filled in from outside (a row action, a re-run) is looked up by itself for its label.
  const typed = debounced !== selectedLabel ? debounced : "";
  const term = !searchParam ? "" : typed || (selectedLabel === null ? props.value : "");
  const options = useQuery({
    queryKey: ["lookup", lookup, term],
    enabled: lookupAction.isSuccess,
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const run = await runAndWait(api, lookup, searchParam && term ? { [searchParam]: term } : {}, signal);
      if (run.status !== "succeeded")
        throw new Error(run.error?.message ?? `The lookup ended ${run.status}.`);
      const list = (run.result as { options?: Option[] } | null)?.options ?? [];
      return list.map((o) => ({
        value: String(o.value),
        label: String(o.label ?? o.value),
        ...(typeof o.currency === "string" && isCurrencyCode(o.currency) ? { currency: o.currency } : {}),
      }));
    },
  });

  // Once the options name a value chosen elsewhere, show its label and take its currency.
  const known = selectedLabel === null ? options.data?.find((o) => o.value === props.value) : undefined;
  useEffect(() => {
    if (!known) return;
    setSelectedLabel(known.label);
    props.onLabel?.(known.label);
    props.onCurrency?.(known.currency ?? null);
  }, [known, props.onLabel, props.onCurrency]);

  if (lookupAction.isError) {
    // Without the lookup (not visible to this user), the value can still be typed.
    return (
      <TextInput
        id={props.id}
        label={props.label}
        description="The list of options is not available to you; type the value."
        withAsterisk={props.field.required}
        aria-required={props.field.required}
        value={props.value}
        error={props.error}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        onBlur={props.onBlur}
      />
    );
  }
  const data = options.data ?? [];
  const current =
    props.value && !data.some((o) => o.value === props.value)
      ? [{ value: props.value, label: props.value }]
      : [];
  return (
    <Select
      id={props.id}
      label={props.label}
      description={props.description}
      placeholder={options.isPending ? "Loading options…" : (props.field.placeholder ?? "Search or choose")}
      withAsterisk={props.field.required}
      aria-required={props.field.required}
      searchable
      clearable={!props.field.required}
      data={[...current, ...data]}
      value={props.value || null}
      onChange={(value, option) => {
        setSelectedLabel(option?.label ?? null);
        props.onLabel?.(option?.label ?? null);
        props.onCurrency?.(data.find((o) => o.value === value)?.currency ?? null);
        props.onChange(value ?? "");
      }}
      onSearchChange={setSearch}
      {...(searchParam ? { filter: ({ options: o }) => o } : {})}
      nothingFoundMessage={
        options.isError
          ? `Could not load options: ${(options.error as Error).message}`
          : options.isPending
            ? "Loading…"
            : "Nothing found"
      }
      error={props.error}
      onBlur={props.onBlur}
      comboboxProps={{ withinPortal: true }}
      maxDropdownHeight={280}
    />
  );
}
