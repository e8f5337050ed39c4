import { Button, Group } from "@mantine/core";
import { Link } from "react-router";
import { paramNameOf, prefilledFormPath } from "./row-actions.ts";

/** The actions one result row offers (declared on its fields): each opens a prefilled form. */
export function RowActions({
  row,
  byColumn,
  titles,
}: {
  row: Record<string, unknown>;
  /** Per column, the actions the person may run on its value. */
  byColumn: Record<string, string[]>;
  titles: Map<string, string>;
}) {
  const links = Object.entries(byColumn).flatMap(([column, actions]) => {
    const value = row[column];
    if (typeof value !== "string" && typeof value !== "number") return [];
    return actions.map((name) => ({
      key: `${column}:${name}`,
      title: titles.get(name) ?? name,
      to: prefilledFormPath(name, { [paramNameOf(column)]: value }),
    }));
  });
  return (
    <Group gap={4} wrap="nowrap">
      {links.map((l) => (
        <Button key={l.key} component={Link} to={l.to} size="compact-xs" variant="light">
          {l.title}
        </Button>
      ))}
    </Group>
  );
}
