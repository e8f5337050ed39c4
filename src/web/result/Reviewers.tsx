import { Badge, Group, Text } from "@mantine/core";
import type { Reviewers as ReviewerSet } from "../../api/common.ts";

/** Who can approve: the policy's groups and named users. */
export function Reviewers({ reviewers, quorum }: { reviewers: ReviewerSet; quorum: number }) {
  return (
    <Group gap={6} wrap="wrap">
      <Text size="sm">
        {quorum === 1 ? "One approval" : `${quorum} approvals from different people`} from
      </Text>
      {reviewers.groups.map((g) => (
        <Badge key={`g:${g}`} variant="outline" color="navy" radius="sm">
          group {g}
        </Badge>
      ))}
      {reviewers.users.map((u) => (
        <Badge key={`u:${u}`} variant="outline" color="gray" radius="sm">
          {u}
        </Badge>
      ))}
    </Group>
  );
}
