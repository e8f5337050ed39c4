// A run that is an item of a bulk batch names its batch and links to it. The batch and position
// are read from the run's idempotency key, `bulk:<batch>:<position>` (bulk-runner.ts `itemKey`),
// on a run of channel `bulk`: every item run has both, so no extra request is needed per row.
import { Anchor } from "@mantine/core";
import { Link } from "react-router";

export function batchOfRun(run: {
  channel: string;
  idempotencyKey: string | null;
}): { batchId: string; position: number } | null {
  if (run.channel !== "bulk" || !run.idempotencyKey) return null;
  const match = /^bulk:(blk_[A-Za-z0-9]+):(\d+)$/.exec(run.idempotencyKey);
  return match ? { batchId: match[1]!, position: Number(match[2]) } : null;
}

export function BatchLink({ run }: { run: { channel: string; idempotencyKey: string | null } }) {
  const item = batchOfRun(run);
  if (!item) return null;
  return (
    <Anchor
      component={Link}
      to={`/bulk/${item.batchId}`}
      size="xs"
      display="block"
      underline="always"
      data-batch-link={item.batchId}
    >
      item {item.position} of batch {item.batchId}
    </Anchor>
  );
}
