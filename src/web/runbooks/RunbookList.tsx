// The catalog's runbooks, above its actions: multi-step work started from one form. Filtered by
// the catalog's search box like the actions are.
import { Badge, Group, Paper, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
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
          <Link
            key={runbook.name}
            to={`/runbooks/${runbook.name}`}
            className="catalog-row"
            data-runbook-row={runbook.name}
          >
            <Group justify="space-between" align="flex-start" wrap="nowrap" gap="md">
              <Stack gap={2} style={{ minWidth: 0 }}>
                <Group gap={8} wrap="wrap">
                  <Text fw={600} c="navy.8">
                    {runbook.title}
                  </Text>
                  <Text span size="xs" ff="monospace" c="dimmed">
                    {runbook.name}
                  </Text>
                </Group>
                {runbook.description && (
                  <Text size="sm" c="gray.7" lineClamp={2}>
                    {runbook.description}
                  </Text>
                )}
                {runbook.tags.length > 0 && (
                  <Group gap={4} mt={4}>
                    {runbook.tags.map((tag) => (
                      <Badge key={tag} size="xs" variant="default" radius="sm" fw={500}>
                        {tag}
                      </Badge>
                    ))}
                  </Group>
                )}
              </Stack>
              <Stack gap={4} align="flex-end" style={{ flexShrink: 0 }}>
                <Badge color="violet" variant="light" radius="sm">
                  Runbook
                </Badge>
                {!runbook.canRun && (
                  <Badge size="sm" variant="default" radius="sm">
                    View only
                  </Badge>
                )}
              </Stack>
            </Group>
          </Link>
        ))}
      </Paper>
    </Stack>
  );
}
