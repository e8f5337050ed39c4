import { Checkbox, NativeSelect, Textarea, TextInput } from "@mantine/core";
import type { FocusEvent } from "react";
import type { FieldModel, FormValue } from "./field-model.ts";
import { LookupInput } from "./LookupInput.tsx";
import { MoneyInput } from "./MoneyInput.tsx";
import { SensitiveBadge } from "./SensitiveBadge.tsx";

export interface FieldInputProps {
  field: FieldModel;
  value: FormValue;
  error: string | null;
  onChange: (value: FormValue) => void;
  onLabel?: (label: string | null) => void;
  onCurrency?: (currency: string | null) => void;
  onBlur: (event?: FocusEvent) => void;
}

export function fieldId(name: string): string {
  return `param-${name}`;
}

/** One parameter, drawn by its widget: label, help, sensitivity and error always shown the same way. */
export function FieldInput({ field, value, error, onChange, onLabel, onCurrency, onBlur }: FieldInputProps) {
  const id = fieldId(field.name);
  const label = (
    <>
      {field.label}
      {field.pii && <SensitiveBadge piiClass={field.pii} />}
    </>
  );
  const description = field.help;
  const text = typeof value === "string" ? value : "";
  const common = {
    id,
    label,
    description,
    error,
    withAsterisk: field.required && !field.nullable,
    "aria-required": field.required && !field.nullable,
    onBlur,
    ...(field.placeholder ? { placeholder: field.placeholder } : {}),
    ...(field.pii ? { autoComplete: "off", "data-sensitive": field.pii } : {}),
  };

  switch (field.widget) {
    case "boolean":
      return (
        <Checkbox
          id={id}
          label={label}
          description={description}
          error={error}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          onBlur={onBlur}
        />
      );
    case "textarea":
      return (
        <Textarea
          {...common}
          autosize
          minRows={3}
          maxRows={12}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "money":
      return (
        <MoneyInput
          id={id}
          label={label}
          description={description}
          placeholder={field.placeholder}
          required={field.required && !field.nullable}
          currency={field.currency}
          value={text}
          error={error}
          onChange={onChange}
          onBlur={onBlur}
        />
      );
    case "select":
      return (
        <NativeSelect
          {...common}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          data={[{ value: "", label: field.required ? "Choose…" : "—" }, ...(field.options ?? [])]}
        />
      );
    case "lookup":
      return (
        <LookupInput
          id={id}
          field={field}
          label={label}
          description={description}
          value={text}
          error={error}
          onChange={onChange}
          {...(onLabel ? { onLabel } : {})}
          {...(onCurrency ? { onCurrency } : {})}
          onBlur={onBlur}
        />
      );
    case "date":
      return (
        <TextInput {...common} type="date" value={text} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case "datetime":
      return (
        <TextInput
          {...common}
          type="datetime-local"
          description={description ?? "In your time zone"}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "number":
      return (
        <TextInput
          {...common}
          inputMode={field.kind === "integer" ? "numeric" : "decimal"}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          {...(field.format === "email" ? { type: "email" } : {})}
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}
