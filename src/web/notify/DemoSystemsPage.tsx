// Demo mode, admins: the switches of the demo's stand-in systems — a payments provider outage,
// slow answers — as buttons, so a walkthrough shows `downstream.unavailable` and an unknown
// outcome without a terminal. Each flip is audited (`demo.switch_set`).
import { Paper, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import type { DemoSwitchView } from "../../api/demo-switches.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { useDemoSwitches, useSetDemoSwitch } from "./demo-switches-api.ts";

function Switch({ item }: { item: DemoSwitchView }) {
  const set = useSetDemoSwitch();
  const known = item.choices.some((c) => c.value === item.current);
  const choices = known
    ? item.choices
    : [...item.choices, { value: item.current, label: `${item.current} (set elsewhere)` }];
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`switch-${item.name}`}>
      <Stack gap="xs">
        <Title order={2} size="h4" id={`switch-${item.name}`}>
          {item.label}
        </Title>
        <Text size="sm" c="dimmed">
          {item.description}
        </Text>
        <SegmentedControl
          aria-label={item.label}
          data={choices}
          value={item.current}
          disabled={set.isPending}
          onChange={(value) => set.mutate({ name: item.name, value })}
        />
        {set.isError && <ErrorNotice error={set.error} />}
      </Stack>
    </Paper>
  );
}

export default function DemoSystemsPage() {
  const switches = useDemoSwitches();
  return (
    <>
      <PageHeader
        title="Demo systems"
        description="Demo mode: make the demo's payments provider fail or answer late, and watch how a run reports it."
      />
      {switches.isPending ? (
        <ListSkeleton rows={2} label="Loading the switches" />
      ) : switches.isError ? (
        <QueryError error={switches.error} what="The demo switches" />
      ) : switches.data === null || switches.data.switches.length === 0 ? (
        <Empty title="Demo switches exist in demo mode only, for admins." />
      ) : (
        <Stack gap="md">
          {switches.data.switches.map((s) => (
            <Switch key={s.name} item={s} />
          ))}
        </Stack>
      )}
    </>
  );
}
