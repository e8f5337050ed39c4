// A form drawn from a JSON Schema with the action form's own parts (field-model.ts, FieldInput):
// a runbook's start form and a human step's form. The browser checks what the schema states
// before sending; the server checks again, and its field errors are shown on their fields.
import { Button, Group, Stack, Text } from "@mantine/core";
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { ApiError } from "../api/http.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { FieldInput, fieldId } from "../form/FieldInput.tsx";
import {
  type FormValue,
  fieldsOf,
  initialValues,
  issuesByField,
  toParams,
  validateAll,
} from "../form/field-model.ts";
import type { JsonSchema } from "../form/json-schema.ts";

function focusField(name: string | undefined) {
  if (!name) return;
  requestAnimationFrame(() => document.getElementById(fieldId(name))?.focus());
}

export function SchemaForm({
  schema,
  label,
  submitLabel,
  disabled = false,
  empty = "This form has no fields.",
  footer,
  onSubmit,
}: {
  schema: Record<string, unknown> | null;
  /** The form's accessible name. */
  label: string;
  submitLabel: string;
  disabled?: boolean;
  empty?: string;
  footer?: ReactNode;
  /** Sends the values; a thrown error is shown (field errors on their fields). */
  onSubmit: (values: Record<string, unknown>) => Promise<void>;
}) {
  const fields = useMemo(() => fieldsOf((schema ?? {}) as JsonSchema), [schema]);
  const [values, setValues] = useState(() => initialValues(fields));
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const clientErrors = useMemo(() => validateAll(fields, values), [fields, values]);

  const errorFor = (name: string): string | null =>
    serverErrors[name] ?? (touched[name] || attempted ? (clientErrors[name] ?? null) : null);

  function change(name: string, value: FormValue) {
    setValues((v) => ({ ...v, [name]: value }));
    setServerErrors(({ [name]: _, ...rest }) => rest);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || disabled) return;
    setAttempted(true);
    const invalid = fields.find((f) => clientErrors[f.name]);
    if (invalid) {
      focusField(invalid.name);
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await onSubmit(toParams(fields, values));
    } catch (error) {
      if (error instanceof ApiError && error.code === "validation.failed") {
        const mapped = issuesByField(fields, error.issues);
        setServerErrors(mapped.fields);
        if (mapped.other.length > 0 || Object.keys(mapped.fields).length === 0) setFormError(error);
        focusField(Object.keys(mapped.fields)[0]);
      } else {
        setFormError(error);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={label}>
      <Stack gap="md">
        {fields.length === 0 && (
          <Text size="sm" c="dimmed">
            {empty}
          </Text>
        )}
        <fieldset disabled={disabled} className="form-fields">
          <Stack gap="md">
            {fields.map((field) => (
              <FieldInput
                key={field.name}
                field={field}
                value={values[field.name] ?? ""}
                error={errorFor(field.name)}
                onChange={(value) => change(field.name, value)}
                onBlur={() => setTouched((t) => ({ ...t, [field.name]: true }))}
              />
            ))}
          </Stack>
        </fieldset>
        {formError !== null && <ErrorNotice error={formError} title="The server refused this" />}
        <Group justify="space-between" align="center">
          <div>{footer}</div>
          <Button type="submit" loading={busy} disabled={disabled}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
