import { Text, TextInput } from "@mantine/core";
import type { FocusEvent, ReactNode } from "react";
import { currencySymbol, formatMoney, minorToInput, parseMoney } from "./money.ts";

/** An amount typed in currency ("250.00"); the form sends minor units (25000). */
export function MoneyInput(props: {
  id: string;
  label: ReactNode;
  description: ReactNode;
  placeholder: string | null;
  required: boolean;
  currency: string;
  value: string;
  error: string | null;
  onChange: (value: string) => void;
  onBlur: (event?: FocusEvent) => void;
}) {
  const parsed = props.value.trim() ? parseMoney(props.value, props.currency) : null;
  return (
    <TextInput
      id={props.id}
      label={props.label}
      description={props.description}
      placeholder={props.placeholder ?? minorToInput(0, props.currency)}
      withAsterisk={props.required}
      aria-required={props.required}
      inputMode="decimal"
      autoComplete="off"
      leftSection={
        <Text size="sm" c="dimmed" aria-hidden="true">
          {currencySymbol(props.currency)}
        </Text>
      }
      rightSection={
        <Text size="xs" c="dimmed">
          {props.currency}
        </Text>
      }
      rightSectionWidth={44}
      value={props.value}
      error={props.error}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      onBlur={(event) => {
        // Tidy what was typed ("1250.5" → "1,250.50") so the person sees the amount that will be sent.
        if (parsed?.ok)
          props.onChange(
            formatMoney(parsed.minor, props.currency).replace(currencySymbol(props.currency), ""),
          );
        props.onBlur(event);
      }}
    />
  );
}
