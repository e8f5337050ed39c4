// "Run an action on these N rows": from a finished run's result table to /bulk/new with every row
// selected. Shown only when the result is a table and the viewer may run some action in bulk, so a
// lookup nobody can act on in bulk does not offer a dead end.
import { Anchor } from "@mantine/core";
import { Link } from "react-router";
import { useActions } from "../api/actions.ts";
import { isTable } from "../result/result-shape.ts";

export function BulkRowsLink({ runId, result }: { runId: string; result: unknown }) {
  const table = isTable(result);
  const actions = useActions("", table);
  if (!table || !actions.data?.some((a) => a.bulk && a.permissions.run)) return null;
  const n = result.length;
  return (
    <Anchor component={Link} to={`/bulk/new?from=${encodeURIComponent(runId)}&select=all`} size="sm">
      Run an action on {n === 1 ? "this row" : `these ${n} rows`}
    </Anchor>
  );
}
