// A CSV of items, pasted or read from a file. Nothing is checked here: the server checks it line
// by line (columns, formula cells, duplicates, the action's schema, unknown targets) and the
// preview lists every refused line with its reason, exactly as the API and the CLI get it.
import { Button, FileButton, Group, Text, Textarea } from "@mantine/core";

const MAX_BYTES = 4_000_000; // the API's limit on `csv`

export function CsvInput({
  value,
  onChange,
  onError,
}: {
  value: string;
  onChange: (csv: string) => void;
  onError: (error: Error) => void;
}) {
  const load = async (file: File | null) => {
    if (!file) return;
    if (file.size > MAX_BYTES) {
      onError(new Error(`${file.name} is larger than 4 MB; split it into several batches.`));
      return;
    }
    onChange(await file.text());
  };
  const lines = value.trim() === "" ? 0 : value.trim().split(/\r?\n/).length - 1;
  return (
    <>
      <Textarea
        label="CSV of items"
        description="A header line naming the columns (e.g. id,amountCents), then one item a line."
        placeholder={"id\nacc_001\nacc_002"}
        autosize
        minRows={5}
        maxRows={16}
        ff="monospace"
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
      <Group gap="sm">
        <FileButton onChange={load} accept=".csv,text/csv,text/plain">
          {(props) => (
            <Button variant="default" size="xs" {...props}>
              Upload a CSV file
            </Button>
          )}
        </FileButton>
        <Text size="xs" c="dimmed" data-csv-lines>
          {lines === 1 ? "1 line" : `${lines} lines`} after the header
        </Text>
      </Group>
    </>
  );
}
