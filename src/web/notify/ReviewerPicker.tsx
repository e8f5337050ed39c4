// The reviewer picker of the run form and of a new batch: shown only where a policy lets the
// requester choose reviewers. It offers the people and groups the server says are eligible (a run's:
// GET /api/v1/actions/{name}/reviewers; a batch's: its preview's `reviewerOptions`, since which
// policies hold a batch depends on its items); the server checks the pick again on the request.
import { MultiSelect } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ActionDetail, ReviewerOptions } from "../../api/actions.ts";
import type { ReviewerChoice } from "../../api/runs.ts";
import { useApi } from "../api/context.ts";

/** Whether the form should offer the picker at all. */
export function offersReviewerChoice(action: ActionDetail): boolean {
  return (
    action.permissions.run &&
    action.approval.policies.some((p) => p.requesterChoosesReviewers && p.mode === "enforce")
  );
}

/** The picker's values (`user:<id>` / `group:<name>`) as the run request's `reviewers`. */
export function reviewerChoiceOf(values: readonly string[]): ReviewerChoice | undefined {
  if (values.length === 0) return undefined;
  const users = values.filter((v) => v.startsWith("user:")).map((v) => v.slice(5));
  const groups = values.filter((v) => v.startsWith("group:")).map((v) => v.slice(6));
  return { ...(users.length > 0 ? { users } : {}), ...(groups.length > 0 ? { groups } : {}) };
}

function useReviewerOptions(action: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["reviewer-options", action],
    enabled,
    queryFn: ({ signal }) =>
      api.get<ReviewerOptions>(`/api/v1/actions/${encodeURIComponent(action)}/reviewers`, undefined, signal),
    staleTime: 30_000,
  });
}

/** The picked reviewers as people read them ("Leo Lead", "the managers group"), for the confirmation. */
export function useReviewerLabels(action: string, values: readonly string[]): string[] {
  const options = useReviewerOptions(action, values.length > 0);
  return values.map((v) => {
    if (v.startsWith("group:")) return `the ${v.slice(6)} group`;
    const id = v.slice(5);
    return options.data?.people.find((p) => p.id === id)?.name ?? id;
  });
}

export function ReviewerPicker({
  action,
  value,
  onChange,
  disabled,
  offered,
  id = "run-reviewers",
  what = "run",
  label = "Reviewers",
}: {
  action: string;
  value: string[];
  onChange: (value: string[]) => void;
  disabled?: boolean;
  /** The options already at hand (a batch's preview); else they are read for the action. */
  offered?: ReviewerOptions;
  id?: string;
  /** What is requested, in the description: "run", "batch", "gate". */
  what?: string;
  /** The field's label (a runbook's start form has one picker per gate). */
  label?: string;
}) {
  const read = useReviewerOptions(action, offered === undefined);
  const options = offered ? { data: offered, isError: false } : read;
  const data = [
    ...(options.data?.groups.length
      ? [{ group: "Groups", items: options.data.groups.map((g) => ({ value: `group:${g}`, label: g })) }]
      : []),
    ...(options.data?.people.length
      ? [
          {
            group: "People",
            items: options.data.people.map((p) => ({ value: `user:${p.id}`, label: p.name })),
          },
        ]
      : []),
  ];
  return (
    <MultiSelect
      id={id}
      label={label}
      description={`Optional. If this ${what} needs approval, only the people you pick are asked (and only they may approve). Leave empty to ask every eligible reviewer.`}
      placeholder={value.length === 0 ? "Every eligible reviewer" : undefined}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      clearable
      disabled={disabled || options.isError}
      error={
        options.isError
          ? "The reviewers could not be loaded; the request goes to every eligible reviewer."
          : null
      }
      nothingFoundMessage="Nobody else may review this action"
    />
  );
}
