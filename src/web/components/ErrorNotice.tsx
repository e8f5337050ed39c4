import { Alert, Group, List, Stack, Text } from "@mantine/core";
import { ApiError } from "../api/http.ts";
import { CopyText } from "./CopyText.tsx";
import { AlertIcon } from "./icons.tsx";

/** Every failure the UI shows: what went wrong, its code, and the request ID to quote. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const apiError = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      icon={<AlertIcon size={18} />}
      title={title ?? (apiError?.status === 403 ? "Not allowed" : "Something went wrong")}
    >
      <Stack gap={6}>
        <Text size="sm">{message}</Text>
        {apiError && apiError.issues.length > 0 && (
          <List size="sm" spacing={2}>
            {apiError.issues.map((issue) => (
              <List.Item key={`${issue.path.join(".")}:${issue.code}`}>
                {issue.path.length > 0 && <strong>{issue.path.join(".")}: </strong>}
                {issue.message}
              </List.Item>
            ))}
          </List>
        )}
        {apiError && (
          <Group gap="lg" wrap="wrap">
            <Text size="xs" c="dimmed">
              Code{" "}
              <Text span ff="monospace" size="xs">
                {apiError.code}
              </Text>
            </Text>
            {apiError.requestId && (
              <Group gap={4} wrap="nowrap">
                <Text size="xs" c="dimmed">
                  Request ID
                </Text>
                <CopyText value={apiError.requestId} label="request ID" size="xs" />
              </Group>
            )}
          </Group>
        )}
      </Stack>
    </Alert>
  );
}
