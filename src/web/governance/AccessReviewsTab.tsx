// Access reviews in the web UI: admins start one for some groups or for every grant on high-risk
// actions and name its reviewer; the reviewer
// keeps or revokes each member (never their own: the server refuses it) and signs off; anyone who
// may read a review downloads it as CSV or printable HTML. The server decides who sees what.
import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NativeSelect,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AccessReviewView } from "../../api/access-reviews.ts";
import { useAdminGroups, useAdminUsers } from "../api/admin.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { useFormRequest } from "../components/useFormRequest.ts";
import { BreakGlassReviews } from "./BreakGlassReviews.tsx";
import { REPEAT_CHOICES, RecurringReviews } from "./RecurringReviews.tsx";

type Item = AccessReviewView["items"][number];

function useReviewAction() {
  const api = useApi();
  const queryClient = useQueryClient();
  return async (path: string, body: unknown) => {
    await api.send("POST", path, body);
    await queryClient.invalidateQueries({ queryKey: ["access-reviews"] });
  };
}

function StartReview() {
  const groups = useAdminGroups();
  const users = useAdminUsers("");
  const act = useReviewAction();
  const [chosen, setChosen] = useState<string[]>([]);
  const [highRisk, setHighRisk] = useState(false);
  const [reviewer, setReviewer] = useState<string | null>(null);
  const [repeat, setRepeat] = useState("once");
  const { busy, error, send } = useFormRequest();
  async function start() {
    await send(async () => {
      const scope = highRisk ? { highRisk: true } : { groups: chosen };
      if (repeat === "once") await act("/api/v1/access-reviews", { ...scope, reviewerId: reviewer });
      else await act("/api/v1/access-reviews/schedules", { ...scope, reviewerId: reviewer, every: repeat });
      setRepeat("once");
      setChosen([]);
      setHighRisk(false);
      setReviewer(null);
    });
  }
  return (
    <Paper withBorder radius="md" p="md">
      <Group align="flex-end" gap="sm">
        <MultiSelect
          label="Groups to review"
          w={260}
          data={(groups.data?.groups ?? []).map((g) => g.name)}
          value={highRisk ? [] : chosen}
          onChange={setChosen}
          disabled={highRisk}
          searchable
        />
        <Checkbox
          label="Every grant on high-risk actions"
          checked={highRisk}
          onChange={(e) => setHighRisk(e.currentTarget.checked)}
          mb={8}
        />
        <Select
          label="Reviewer (the group's owner)"
          w={260}
          data={(users.data?.users ?? [])
            .filter((u) => u.kind === "human")
            .map((u) => ({ value: u.id, label: `${u.name} (${u.email ?? u.id})` }))}
          value={reviewer}
          onChange={setReviewer}
          searchable
        />
        <NativeSelect
          label="Repeat"
          w={170}
          data={REPEAT_CHOICES}
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
        />
        <Button
          disabled={(!highRisk && chosen.length === 0) || !reviewer}
          loading={busy}
          onClick={() => void start()}
        >
          {repeat === "once" ? "Start review" : "Schedule reviews"}
        </Button>
      </Group>
      {error !== null && <ErrorNotice error={error} title="Not started" />}
    </Paper>
  );
}

function ItemRow({ review, item }: { review: AccessReviewView; item: Item }) {
  const act = useReviewAction();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const decide = async (decision: "keep" | "revoke") => {
    setError(null);
    try {
      await act(`/api/v1/access-reviews/${review.id}/items/${item.userId}`, {
        decision,
        group: item.group.id,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Table.Tr data-review-item={item.userId} data-review-group={item.group.name}>
      {review.groups.length > 1 && <Table.Td>{item.group.name}</Table.Td>}
      <Table.Td>
        {item.name}
        <Text size="xs" c="dimmed">
          {item.email}
        </Text>
      </Table.Td>
      <Table.Td>
        {item.grants.map((g) => (
          <Text key={g.grant} size="xs">
            {g.verbs.join(", ")} on {g.on} · last used{" "}
            {g.lastUsedAt ? <Time value={g.lastUsedAt} /> : "never"}
          </Text>
        ))}
      </Table.Td>
      <Table.Td>
        {item.decision ? (
          <Badge variant="light" color={item.decision === "keep" ? "teal" : "red"}>
            {item.decision}
            {item.outcome ? ` · ${item.outcome}` : ""}
          </Badge>
        ) : (
          <Text size="xs" c="dimmed">
            undecided
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {review.youReview && (
          <Stack gap={4}>
            <TextInput
              size="xs"
              aria-label={`Reason for ${item.name}`}
              placeholder="Reason"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Group gap={4}>
              <Button size="compact-xs" variant="default" onClick={() => void decide("keep")}>
                Keep
              </Button>
              <Button size="compact-xs" color="red" variant="light" onClick={() => void decide("revoke")}>
                Revoke
              </Button>
            </Group>
            {error !== null && <ErrorNotice error={error} />}
          </Stack>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** One group, several, or every grant on high-risk actions. */
function titleOf(review: AccessReviewView): string {
  if (review.scope === "high_risk") return "Every grant on high-risk actions";
  const names = review.groups.map((g) => `“${g.name}”`).join(", ");
  return review.groups.length === 1 ? `Group ${names}` : `Groups ${names}`;
}

function Review({ review }: { review: AccessReviewView }) {
  const act = useReviewAction();
  const [error, setError] = useState<unknown>(null);
  const undecided = review.items.filter((i) => !i.decision).length;
  const base = `/api/v1/access-reviews/${review.id}`;
  return (
    <Paper withBorder radius="md" p="md" data-access-review={review.id}>
      <Group justify="space-between" mb="xs">
        <div>
          <Title order={3} size="h5">
            {titleOf(review)} · reviewer {review.reviewer.name}
          </Title>
          <Text size="xs" c="dimmed">
            {review.status.replace("_", " ")}
            {review.scheduleId ? " · recurring" : ""} · started <Time value={review.startedAt} /> · due{" "}
            <Time value={review.dueAt} />
          </Text>
        </div>
        <Group gap="xs">
          <Anchor href={`${base}/export?format=csv`} size="sm">
            CSV
          </Anchor>
          <Anchor href={`${base}/export?format=html`} size="sm" target="_blank">
            Printable
          </Anchor>
          {review.youReview && (
            <Button
              size="xs"
              disabled={undecided > 0}
              onClick={() => void act(`${base}/sign-off`, {}).catch(setError)}
            >
              Sign off{undecided > 0 ? ` (${undecided} undecided)` : ""}
            </Button>
          )}
        </Group>
      </Group>
      {error !== null && <ErrorNotice error={error} title="Not signed off" />}
      <Table fz="sm" verticalSpacing={4} aria-label={`Access review of ${titleOf(review)}`}>
        <Table.Thead>
          <Table.Tr>
            {review.groups.length > 1 && <Table.Th>Group</Table.Th>}
            <Table.Th>Member</Table.Th>
            <Table.Th>Grants through the group</Table.Th>
            <Table.Th>Decision</Table.Th>
            <Table.Th w={220} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {review.items.map((item) => (
            <ItemRow key={`${item.group.id}:${item.userId}`} review={review} item={item} />
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

/** The reviews the viewer may see (their own to do; admins and auditors: all). */
export function useAccessReviews(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["access-reviews"],
    enabled,
    queryFn: ({ signal }) =>
      api.get<{ reviews: AccessReviewView[] }>("/api/v1/access-reviews", { status: "all" }, signal),
  });
}

export function AccessReviewsTab({ admin }: { admin: boolean }) {
  const reviews = useAccessReviews();
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        A named reviewer keeps or revokes each member's access; revocations go through change requests, and
        the signed-off review is evidence (CSV or printable).
      </Text>
      {admin && <StartReview />}
      <RecurringReviews admin={admin} />
      {admin && <BreakGlassReviews />}
      {reviews.isPending ? (
        <ListSkeleton rows={3} label="Loading access reviews" />
      ) : reviews.isError ? (
        <QueryError error={reviews.error} what="Access reviews" />
      ) : reviews.data.reviews.length === 0 ? (
        <Text size="sm" c="dimmed">
          No access reviews yet.
        </Text>
      ) : (
        reviews.data.reviews.map((review) => <Review key={review.id} review={review} />)
      )}
    </Stack>
  );
}
