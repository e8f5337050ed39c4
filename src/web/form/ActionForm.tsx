import { Alert, Button, Group, Paper, Stack, Text, Textarea } from "@mantine/core";
import { type FormEvent, type KeyboardEvent, useMemo, useState } from "react";
import type { ActionDetail } from "../../api/actions.ts";
import { ApiError } from "../api/http.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { useToast } from "../components/toasts.tsx";
import { useConfirm } from "../components/useConfirm.tsx";
import {
  offersReviewerChoice,
  ReviewerPicker,
  reviewerChoiceOf,
  useReviewerLabels,
} from "../notify/ReviewerPicker.tsx";
import { ConfirmRunModal } from "./ConfirmRunModal.tsx";
import { FieldInput, fieldId } from "./FieldInput.tsx";
import {
  type FieldModel,
  type FormValue,
  fieldsOf,
  initialValues,
  issuesByField,
  prefilledValues,
  toParams,
  validateAll,
  withCurrency,
} from "./field-model.ts";
import { type Outcome, useRunSubmission } from "./useRunSubmission.ts";

const REASON_ID = "run-reason";
/** A repeat of the same values within this long asks first (a second $50 credit is rarely meant). */
const REPEAT_WINDOW_MS = 10 * 60_000;
const MIN_REASON = 3;

function focusField(name: string | undefined) {
  if (!name) return;
  // After this render: the click that submitted would otherwise keep focus on the button.
  requestAnimationFrame(() =>
    document.getElementById(name === "reason" ? REASON_ID : fieldId(name))?.focus(),
  );
}

/** Whether to offer the run's own reason field (kept with the run, shown to reviewers). */
function wantsReason(action: ActionDetail, fields: FieldModel[]): boolean {
  if (action.reasonRequired) return true;
  return action.approval.mayBeRequired && !fields.some((f) => f.name === "reason");
}

export function ActionForm({
  action,
  onOutcome,
  prefill,
}: {
  action: ActionDetail;
  onOutcome: (outcome: Outcome) => void;
  /** Values to start from (a row action's, a re-run's), as the API takes them. */
  prefill?: Record<string, unknown>;
}) {
  const declared = useMemo(() => fieldsOf(action.paramsSchema), [action.paramsSchema]);
  // The currency of the chosen target (from a lookup option), per lookup field.
  const [currencies, setCurrencies] = useState<Record<string, string>>({});
  const targetCurrency = Object.values(currencies)[0] ?? null;
  const fields = useMemo(() => withCurrency(declared, targetCurrency), [declared, targetCurrency]);
  const [values, setValues] = useState(() =>
    prefill ? prefilledValues(declared, prefill) : initialValues(declared),
  );
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [reviewers, setReviewers] = useState<string[]>([]);
  const reviewerLabels = useReviewerLabels(action.name, reviewers);
  const [formError, setFormError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const submission = useRunSubmission(action.name);
  const [confirm, confirmDialog] = useConfirm();
  const toast = useToast();
  // The values the server last answered for: the same values again are a new run, said so.
  const [last, setLast] = useState<{ sent: string; at: number } | null>(null);
  const clientErrors = useMemo(() => validateAll(fields, values), [fields, values]);
  const showReason = wantsReason(action, fields);
  const confirmFirst = action.risk === "high" || action.risk === "critical";

  const errorFor = (name: string): string | null =>
    serverErrors[name] ?? (touched[name] || attempted ? (clientErrors[name] ?? null) : null);

  function change(name: string, value: FormValue) {
    setValues((v) => ({ ...v, [name]: value }));
    setServerErrors(({ [name]: _, ...rest }) => rest);
    submission.edited();
  }

  function reasonProblem(): string | null {
    if (action.reasonRequired && reason.trim().length < MIN_REASON)
      return `Give a reason (at least ${MIN_REASON} characters)`;
    return null;
  }

  const sent = JSON.stringify([toParams(fields, values), reason.trim(), reviewers]);
  const repeat = last !== null && last.sent === sent;

  async function onSubmit(event?: FormEvent) {
    event?.preventDefault();
    if (submission.busy) return;
    setAttempted(true);
    const problem = reasonProblem();
    setReasonError(problem);
    const invalid = fields.find((f) => clientErrors[f.name]);
    if (invalid || problem) {
      focusField(invalid?.name ?? "reason");
      return;
    }
    if (repeat && Date.now() - last.at < REPEAT_WINDOW_MS) {
      const seconds = Math.max(1, Math.round((Date.now() - last.at) / 1000));
      const ok = await confirm({
        title: `Run “${action.title}” again with the same values?`,
        message: `These exact values ran ${seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`} ago. Running again starts a new run with a new idempotency key (a second credit, a second refund).`,
        confirm: "Run again",
      });
      if (!ok) return;
    }
    if (confirmFirst && !confirming) {
      setConfirming(true);
      return;
    }
    void send();
  }

  async function send() {
    setFormError(null);
    const outcome = await submission.submit(
      toParams(fields, values),
      reason.trim() || undefined,
      reviewerChoiceOf(reviewers),
    );
    if (!outcome) return; // a second click while the first is in flight
    setConfirming(false);
    if (outcome.kind === "run") setLast({ sent, at: Date.now() });
    if (
      outcome.kind === "error" &&
      outcome.error instanceof ApiError &&
      outcome.error.code === "validation.failed"
    ) {
      const mapped = issuesByField(fields, outcome.error.issues);
      setServerErrors(mapped.fields);
      setReasonError(mapped.reason);
      if (mapped.other.length > 0 || (Object.keys(mapped.fields).length === 0 && !mapped.reason))
        setFormError(outcome.error);
      focusField(Object.keys(mapped.fields)[0] ?? (mapped.reason ? "reason" : undefined));
      return;
    }
    onOutcome(outcome);
    announce(outcome);
  }

  /** Success and failure also as a message that outlives scrolling away from the outcome. */
  function announce(outcome: Outcome) {
    if (outcome.kind === "error") {
      const message = outcome.error instanceof Error ? outcome.error.message : undefined;
      toast({ kind: "failure", title: `“${action.title}” did not run`, message });
      return;
    }
    const { status, error } = outcome.run;
    if (status === "succeeded") toast({ kind: "success", title: `Done: ${action.title}` });
    else if (status === "pending_approval")
      toast({ kind: "success", title: "Sent for approval", message: action.title });
    else if (status === "failed")
      toast({ kind: "failure", title: `“${action.title}” failed`, message: error?.message });
  }

  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void onSubmit();
    }
  }

  const blocked = !action.permissions.run;
  return (
    <Paper withBorder radius="md" p="lg">
      <form
        onSubmit={(e) => void onSubmit(e)}
        onKeyDown={onKeyDown}
        noValidate
        aria-label={`${action.title} form`}
      >
        <Stack gap="md">
          {fields.length === 0 && (
            <Text size="sm" c="dimmed">
              This action takes no parameters.
            </Text>
          )}
          {/* A view-only action's form is read-only: nothing typed there could be sent. */}
          <fieldset disabled={blocked} className="form-fields" data-view-only={blocked || undefined}>
            <Stack gap="md">
              {fields.map((field) => (
                <FieldInput
                  key={field.name}
                  field={field}
                  value={values[field.name] ?? ""}
                  error={errorFor(field.name)}
                  onChange={(value) => change(field.name, value)}
                  onLabel={(label) =>
                    setLabels(({ [field.name]: _, ...rest }) =>
                      label ? { ...rest, [field.name]: label } : rest,
                    )
                  }
                  onCurrency={(currency) =>
                    setCurrencies(({ [field.name]: _, ...rest }) =>
                      currency ? { ...rest, [field.name]: currency } : rest,
                    )
                  }
                  onBlur={(event) => {
                    // Leaving the field for the Run button: submitting shows every error anyway, and an
                    // error appearing now would move the button away from under the pointer.
                    if (
                      event?.relatedTarget instanceof Element &&
                      event.relatedTarget.closest("[data-run-button]")
                    )
                      return;
                    setTouched((t) => ({ ...t, [field.name]: true }));
                  }}
                />
              ))}
            </Stack>
          </fieldset>
          {showReason && (
            <Textarea
              id={REASON_ID}
              label="Reason"
              description={
                action.reasonRequired
                  ? "Required for this action. Kept with the run and shown to reviewers."
                  : "Optional. Shown to reviewers and kept in the audit trail."
              }
              withAsterisk={action.reasonRequired}
              aria-required={action.reasonRequired}
              autosize
              minRows={2}
              disabled={blocked}
              value={reason}
              error={reasonError}
              onChange={(e) => {
                setReason(e.currentTarget.value);
                setReasonError(null);
                submission.edited();
              }}
            />
          )}
          {offersReviewerChoice(action) && (
            <ReviewerPicker
              action={action.name}
              value={reviewers}
              onChange={(picked) => {
                setReviewers(picked);
                submission.edited();
              }}
            />
          )}
          {formError !== null && <ErrorNotice error={formError} title="The server refused these values" />}
          {blocked && (
            <Alert color="gray" variant="light">
              You may see this action but not run it. Ask an admin for the “run” grant.
            </Alert>
          )}
          <Group justify="space-between" align="center">
            <Text size="xs" c="dimmed">
              {confirmFirst ? "You will confirm the values before it runs. " : ""}
              Ctrl+Enter submits.
            </Text>
            <Button type="submit" loading={submission.busy} disabled={blocked} data-run-button>
              {repeat ? "Run again with a new key" : confirmFirst ? "Review and run" : "Run"}
            </Button>
          </Group>
        </Stack>
      </form>
      {confirmDialog}
      <ConfirmRunModal
        opened={confirming}
        action={action}
        fields={fields}
        values={values}
        labels={labels}
        reason={reason}
        reviewers={reviewerLabels}
        busy={submission.busy}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void send()}
      />
    </Paper>
  );
}
