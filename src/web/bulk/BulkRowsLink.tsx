// "Run an action on these N rows": from a finished run's result table (the result, or its first
// list of records) to /bulk/new with every row selected. Shown only when there is one and the
// viewer may run some action in bulk, so a lookup nobody can act on in bulk offers no dead end.
import { Anchor } from "@mantine/core";
import { Link } from "react-router";
import { useActions } from "../api/actions.ts";
import { resultRows } from "./result-rows.ts";

export function BulkRowsLink({ runId, result }: { runId: string; result: unknown }) {
  const rows = resultRows(result);
  const actions = useActions("", rows !== null);
  if (!rows || !actions.data?.some((a) => a.bulk && a.permissions.run)) return null;
  const n = rows.length;
  return (
    <Anchor component={Link} to={`/bulk/new?from=${encodeURIComponent(runId)}&select=all`} size="sm">
      Run an action on {n === 1 ? "this row" : `these ${n} rows`}
    </Anchor>
  );
}
