// The action's change log on its page: each deployed version (newest first), what changed from
// the version before, and how many runs ran on it. A server without the change log shows nothing.
import { Badge, Code, Paper, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { ActionVersion } from "../../api/governance.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";
import { Time } from "../components/Time.tsx";

function shown(value: unknown): string {
  if (value === null || value === undefined) return "—";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function ActionVersions({ name }: { name: string }) {
  const api = useApi();
  const versions = useQuery({
    queryKey: ["action-versions", name],
    queryFn: async ({ signal }) => {
      try {
        return await api.get<{ versions: ActionVersion[] }>(
          `/api/v1/actions/${encodeURIComponent(name)}/versions`,
          undefined,
          signal,
        );
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return { versions: [] };
        throw error;
      }
    },
    retry: false,
  });
  const list = versions.data?.versions ?? [];
  if (list.length === 0) return null;
  return (
    <Paper withBorder radius="md" p="md" data-action-versions>
      <Title order={2} size="h5" mb="xs">
        Versions
      </Title>
      <Stack gap="sm">
        {list.map((v) => (
          <div key={v.version} id={`version-${v.version}`} data-version={v.version}>
            <Text size="sm" fw={600}>
              <Code>{v.version}</Code> {v.current && <Badge size="xs">current</Badge>}
            </Text>
            <Text size="xs" c="dimmed">
              deployed <Time value={v.firstSeenAt} /> · {v.runs.count} run{v.runs.count === 1 ? "" : "s"}
            </Text>
            {v.changes.map((c) => (
              <Text key={c.path} size="xs" data-version-change={c.path}>
                <Code>{c.path}</Code>: {shown(c.before)} → {shown(c.after)}
              </Text>
            ))}
          </div>
        ))}
      </Stack>
    </Paper>
  );
}
