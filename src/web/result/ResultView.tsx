import { Code, Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { CopyIconButton } from "../components/CopyText.tsx";
import { KeyValueView } from "./KeyValueView.tsx";
import { ResultTable } from "./ResultTable.tsx";
import { isRecord, isTable } from "./result-shape.ts";
import { OutputSchemaContext } from "./row-actions.ts";
import { ValueCell } from "./ValueCell.tsx";

/** A run's result as a table, fields or JSON (masked values stay masked in every view). */
export function ResultView({
  value,
  fileName,
  title = "Result",
  outputSchema = null,
}: {
  value: unknown;
  fileName: string;
  title?: string;
  /** The action's output schema: its fields may declare row actions. */
  outputSchema?: Record<string, unknown> | null;
}) {
  const [mode, setMode] = useState<"view" | "json">("view");
  const json = JSON.stringify(value, null, 2) ?? "null";
  return (
    <OutputSchemaContext value={outputSchema}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Text fw={600}>{title}</Text>
          <SegmentedControl
            size="xs"
            value={mode}
            onChange={(v) => setMode(v as "view" | "json")}
            data={[
              { value: "view", label: isTable(value) ? "Table" : "Fields" },
              { value: "json", label: "JSON" },
            ]}
            aria-label={`Show the ${title.toLowerCase()} as`}
          />
        </Group>
        {mode === "json" ? (
          <Stack gap={4}>
            <Code block className="json-view" data-result-json>
              {json}
            </Code>
            <Group justify="flex-end">
              <CopyIconButton value={json} label="the JSON" />
            </Group>
          </Stack>
        ) : value === null || value === undefined ? (
          <Text size="sm" c="dimmed">
            No result.
          </Text>
        ) : isTable(value) ? (
          <ResultTable rows={value} basePath={[]} caption={title} fileName={`${fileName}.csv`} />
        ) : isRecord(value) ? (
          <KeyValueView value={value} basePath={[]} fileName={fileName} />
        ) : Array.isArray(value) && value.length === 0 ? (
          <Text size="sm" c="dimmed">
            An empty list.
          </Text>
        ) : (
          <Text size="sm">
            <ValueCell value={value} path={[]} label={title} />
          </Text>
        )}
      </Stack>
    </OutputSchemaContext>
  );
}
