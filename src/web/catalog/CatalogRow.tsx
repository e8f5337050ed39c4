// One row of the catalog, for an action or a runbook alike: its title, name, description and tags
// on the left, its badges on the right, the whole row a link to its page.
import { Badge, Group, Stack, Text } from "@mantine/core";
import { forwardRef, type KeyboardEvent, type ReactNode } from "react";
import { Link } from "react-router";

/** What the row shows of an action or a runbook. */
export interface CatalogEntry {
  name: string;
  title: string;
  description: string;
  tags: string[];
}

export const CatalogRow = forwardRef<
  HTMLAnchorElement,
  {
    entry: CatalogEntry;
    to: string;
    badges: ReactNode;
    onKeyDown?: (event: KeyboardEvent<HTMLAnchorElement>) => void;
    "data-action-row"?: string;
    "data-runbook-row"?: string;
  }
>(function CatalogRow({ entry, to, badges, ...link }, ref) {
  return (
    <Link ref={ref} to={to} className="catalog-row" {...link}>
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="md">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap={8} wrap="wrap">
            <Text fw={600} c="navy.8">
              {entry.title}
            </Text>
            <Text span size="xs" ff="monospace" c="dimmed">
              {entry.name}
            </Text>
          </Group>
          {entry.description && (
            <Text size="sm" c="gray.7" lineClamp={2}>
              {entry.description}
            </Text>
          )}
          {entry.tags.length > 0 && (
            <Group gap={4} mt={4}>
              {entry.tags.map((tag) => (
                <Badge key={tag} size="xs" variant="default" radius="sm" fw={500}>
                  {tag}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
        <Stack gap={4} align="flex-end" style={{ flexShrink: 0 }}>
          {badges}
        </Stack>
      </Group>
    </Link>
  );
});
