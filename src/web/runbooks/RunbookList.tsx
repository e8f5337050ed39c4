// The catalog's runbooks, above its actions: multi-step work started from one form. Filtered by
// the catalog's search box like the actions are.
import { Badge, Paper, Stack, Text } from "@mantine/core";
import { CatalogRow } from "../catalog/CatalogRow.tsx";
import { type RunbookSummary, useRunbooks } from "./runbooks-api.ts";

function matches(runbook: RunbookSummary, text: string): boolean {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = [runbook.name, runbook.title, runbook.description, ...runbook.tags]
    .join(" ")
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export function RunbookList({ filter }: { filter: string }) {
  const runbooks = useRunbooks();
  const shown = (runbooks.data ?? []).filter((r) => matches(r, filter));
  // No runbooks (or none matching) takes no room: the catalog is about actions first.
  if (shown.length === 0) return null;
  return (
    <Stack gap="xs" mb="lg">
      <Text size="sm" c="dimmed">
        {shown.length} {shown.length === 1 ? "runbook" : "runbooks"}
        {filter.trim() ? ` matching “${filter.trim()}”` : ""}: several steps, started from one form
      </Text>
      <Paper withBorder radius="md" style={{ overflow: "hidden" }} aria-label="Runbooks" component="section">
        {shown.map((runbook) => (
          <CatalogRow
            key={runbook.name}
            entry={runbook}
            to={`/runbooks/${runbook.name}`}
            data-runbook-row={runbook.name}
            badges={
              <>
                <Badge color="violet" variant="light" radius="sm">
                  Runbook
                </Badge>
                {!runbook.canRun && (
                  <Badge size="sm" variant="default" radius="sm">
                    View only
                  </Badge>
                )}
              </>
            }
          />
        ))}
      </Paper>
    </Stack>
  );
}
