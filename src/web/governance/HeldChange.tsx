// What an admin sees when a change they made was held for a second admin (the server answered
// 202 with the change request): nothing changed yet, who must approve, and where it waits.
import { Alert, Anchor, Button, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import type { ChangeRequest } from "../../api/governance.ts";

export interface HeldAnswer {
  changeRequest: ChangeRequest;
  message: string;
}

/** The 202 answer of an admin route whose change needs a second admin, or null. */
export function heldChange(answer: unknown): HeldAnswer | null {
  if (answer && typeof answer === "object" && "changeRequest" in answer) return answer as HeldAnswer;
  return null;
}

export function HeldChangeNotice({ held }: { held: HeldAnswer }) {
  const change = held.changeRequest;
  return (
    <Alert
      color="yellow"
      variant="light"
      role="status"
      title="Held for a second admin"
      data-held-change={change.id}
    >
      <Text size="sm">{change.summary}</Text>
      <Text size="sm" mt={4}>
        Nothing has changed yet: {change.whyFourEyes ? `${change.whyFourEyes}, so ` : ""}another admin must
        approve it.{" "}
        <Anchor component={Link} to={`/approvals#${change.id}`}>
          See the change request
        </Anchor>
      </Text>
    </Alert>
  );
}

/** What a dialog shows in place of its form once its change was held: the notice, and Close. */
export function HeldChangeInDialog({ held, onClose }: { held: HeldAnswer; onClose: () => void }) {
  return (
    <Stack gap="md">
      <HeldChangeNotice held={held} />
      <Group justify="flex-end">
        <Button onClick={onClose}>Close</Button>
      </Group>
    </Stack>
  );
}
