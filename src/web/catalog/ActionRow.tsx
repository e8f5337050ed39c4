import { Badge, Group, Stack, Text } from "@mantine/core";
import { forwardRef, type KeyboardEvent } from "react";
import { Link } from "react-router";
import type { ActionSummary } from "../../api/actions.ts";
import { ApprovalBadge, RiskBadge } from "../components/Badges.tsx";

export const ActionRow = forwardRef<
  HTMLAnchorElement,
  { action: ActionSummary; onKeyDown: (event: KeyboardEvent<HTMLAnchorElement>) => void }
>(function ActionRow({ action, onKeyDown }, ref) {
  return (
    <Link
      ref={ref}
      to={`/actions/${action.name}`}
      className="catalog-row"
      onKeyDown={onKeyDown}
      data-action-row={action.name}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="md">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap={8} wrap="wrap">
            <Text fw={600} c="navy.8">
              {action.title}
            </Text>
            <Text span size="xs" ff="monospace" c="dimmed">
              {action.name}
            </Text>
          </Group>
          {action.description && (
            <Text size="sm" c="gray.7" lineClamp={2}>
              {action.description}
            </Text>
          )}
          {action.tags.length > 0 && (
            <Group gap={4} mt={4}>
              {action.tags.map((tag) => (
                <Badge key={tag} size="xs" variant="default" radius="sm" fw={500}>
                  {tag}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
        <Stack gap={4} align="flex-end" style={{ flexShrink: 0 }}>
          <RiskBadge risk={action.risk} />
          {action.approval.mayBeRequired && <ApprovalBadge />}
          {!action.permissions.run && (
            <Badge size="sm" variant="default" radius="sm">
              View only
            </Badge>
          )}
        </Stack>
      </Group>
    </Link>
  );
});
