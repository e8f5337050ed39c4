import { Badge, ScrollArea, Table, Text } from "@mantine/core";
import { currencyOf, useCurrency } from "../result/currency-context.ts";
import { formatField, labelOf } from "../result/result-shape.ts";
import { diffSnapshots } from "./diff.ts";

const LABEL = { added: "Added", removed: "Removed", changed: "Changed", same: "Unchanged" } as const;
const COLOR = { added: "teal", removed: "red", changed: "orange", same: "gray" } as const;

/** What changed: the target's state before and after, field by field (the word says it, not only the colour). */
export function DiffView({ before, after }: { before: unknown; after: unknown }) {
  const inherited = useCurrency();
  const currency = currencyOf(after) ?? currencyOf(before) ?? inherited;
  if ((before === null || before === undefined) && (after === null || after === undefined))
    return (
      <Text size="sm" c="dimmed">
        The action recorded no before/after state.
      </Text>
    );
  const rows = diffSnapshots(before, after);
  // On a phone the four columns scroll inside their box instead of widening the page.
  return (
    <ScrollArea type="auto">
      <Table withTableBorder verticalSpacing={6} fz="sm" aria-label="Before and after">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Field</Table.Th>
            <Table.Th>Before</Table.Th>
            <Table.Th>After</Table.Th>
            <Table.Th>Change</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.path}>
              <Table.Td title={row.path}>{row.path.split(".").map(labelOf).join(" › ")}</Table.Td>
              <Table.Td
                className={row.change === "changed" || row.change === "removed" ? "diff-removed" : undefined}
              >
                {row.change === "added" ? "—" : formatField(row.path.split(".").pop(), row.before, currency)}
              </Table.Td>
              <Table.Td
                className={row.change === "changed" || row.change === "added" ? "diff-added" : undefined}
              >
                {row.change === "removed" ? "—" : formatField(row.path.split(".").pop(), row.after, currency)}
              </Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={COLOR[row.change]} radius="sm">
                  {LABEL[row.change]}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
