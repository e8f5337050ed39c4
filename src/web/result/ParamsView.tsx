import { Table, Text } from "@mantine/core";
import { fieldsOf } from "../form/field-model.ts";
import type { JsonSchema } from "../form/json-schema.ts";
import { formatMoney } from "../form/money.ts";
import { SensitiveBadge } from "../form/SensitiveBadge.tsx";
import { useCurrency } from "./currency-context.ts";
import { labelOf } from "./result-shape.ts";
import { ValueCell } from "./ValueCell.tsx";

/**
 * A run's parameters as the form asked for them: the schema's order and labels, money as
 * currency, PII masked (with "Reveal" where the viewer may, through RevealContext).
 */
export function ParamsView({
  params,
  schema,
}: {
  params: Record<string, unknown> | null;
  schema: JsonSchema | null | undefined;
}) {
  const currency = useCurrency();
  if (!params || Object.keys(params).length === 0)
    return (
      <Text size="sm" c="dimmed">
        No parameters.
      </Text>
    );
  const fields = fieldsOf(schema).filter((f) => f.name in params);
  const extra = Object.keys(params).filter((k) => !fields.some((f) => f.name === k));
  return (
    <Table withTableBorder className="kv-table" verticalSpacing={6} fz="sm" aria-label="Parameters">
      <Table.Tbody>
        {fields.map((f) => {
          const value = params[f.name];
          return (
            <Table.Tr key={f.name} data-param={f.name}>
              <Table.Th scope="row">
                {f.label}
                {f.pii && <SensitiveBadge piiClass={f.pii} />}
              </Table.Th>
              <Table.Td style={{ wordBreak: "break-word" }}>
                {f.widget === "money" && typeof value === "number" ? (
                  formatMoney(value, f.currencyFixed ? f.currency : currency)
                ) : (
                  <ValueCell value={value} path={[f.name]} label={f.label} />
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
        {extra.map((key) => (
          <Table.Tr key={key} data-param={key}>
            <Table.Th scope="row">{labelOf(key)}</Table.Th>
            <Table.Td>
              <ValueCell value={params[key]} path={[key]} label={labelOf(key)} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
