import { Stack, Table, Text } from "@mantine/core";
import { CurrencyContext, currencyOf, useCurrency } from "./currency-context.ts";
import { ResultTable } from "./ResultTable.tsx";
import { isRecord, isTable, labelOf, type Path, shownKeys } from "./result-shape.ts";
import { ValueCell } from "./ValueCell.tsx";

/** A record as label → value; nested records indent, nested lists of records become tables. */
export function KeyValueView({
  value,
  basePath,
  fileName,
  depth = 0,
}: {
  value: Record<string, unknown>;
  basePath: Path;
  fileName: string;
  depth?: number;
}) {
  const inherited = useCurrency();
  const entries = shownKeys(value).map((key) => [key, value[key]] as const);
  const tables = entries.filter(([, v]) => isTable(v));
  const plain = entries.filter(([, v]) => !isTable(v));
  if (entries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Empty
      </Text>
    );
  return (
    <CurrencyContext.Provider value={currencyOf(value) ?? inherited}>
      <Stack gap="md">
        {plain.length > 0 && (
          <Table withTableBorder={depth === 0} className="kv-table" verticalSpacing={6} fz="sm">
            <Table.Tbody>
              {plain.map(([key, v]) => (
                <Table.Tr key={key}>
                  <Table.Th scope="row">{labelOf(key)}</Table.Th>
                  <Table.Td style={{ wordBreak: "break-word" }}>
                    {isRecord(v) && depth < 3 ? (
                      <KeyValueView
                        value={v}
                        basePath={[...basePath, key]}
                        fileName={fileName}
                        depth={depth + 1}
                      />
                    ) : (
                      <ValueCell value={v} path={[...basePath, key]} label={labelOf(key)} />
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {tables.map(([key, v]) => (
          <Stack key={key} gap={4}>
            <Text fw={600} size="sm">
              {labelOf(key)}
            </Text>
            <ResultTable
              rows={v as Record<string, unknown>[]}
              basePath={[...basePath, key]}
              caption={labelOf(key)}
              fileName={`${fileName}-${key}.csv`}
            />
          </Stack>
        ))}
      </Stack>
    </CurrencyContext.Provider>
  );
}
