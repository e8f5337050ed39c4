import { Alert, Button, Group, Modal, Stack, Table, Text, TextInput } from "@mantine/core";
import { useEffect, useState } from "react";
import type { ActionDetail } from "../../api/actions.ts";
import { RiskBadge } from "../components/Badges.tsx";
import { displayValue, type FieldModel, type FormValues } from "./field-model.ts";

/**
 * What a critical action's person types to confirm: the value of the field that names its target
 * (the first lookup, else the first `…Id` field), else the action's name.
 */
export function confirmWord(action: ActionDetail, fields: FieldModel[], values: FormValues): string {
  const field =
    fields.find((f) => f.widget === "lookup" && values[f.name]) ??
    fields.find((f) => /Id$|_id$/.test(f.name) && values[f.name]);
  const value = field ? values[field.name] : null;
  return typeof value === "string" && value.trim() ? value.trim() : action.name;
}

/** Whether it will wait for a reviewer: every enforced policy without a condition says "must". */
function approvalNote(action: ActionDetail): string | null {
  const enforced = action.approval.policies.filter((p) => p.mode === "enforce");
  if (enforced.some((p) => !p.conditional)) return "A reviewer must approve this before it runs.";
  if (enforced.length > 0)
    return "Depending on the values, a reviewer may have to approve this before it runs.";
  return null;
}

/**
 * The second look before a high or critical action runs: exactly what will be sent. Confirmation
 * scales with risk: a critical action (often irreversible) runs only once its target is typed.
 */
export function ConfirmRunModal(props: {
  opened: boolean;
  action: ActionDetail;
  fields: FieldModel[];
  values: FormValues;
  /** Labels of chosen lookup options ("Northwind Traders (acc_1001)"). */
  labels: Record<string, string>;
  reason: string;
  /** The reviewers the requester picked, as names; empty: every eligible reviewer is asked. */
  reviewers?: string[];
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { action, fields, values } = props;
  const critical = action.risk === "critical";
  const word = confirmWord(action, fields, values);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    if (props.opened) setTyped("");
  }, [props.opened]);
  const note = approvalNote(action);
  return (
    <Modal
      opened={props.opened}
      onClose={props.onCancel}
      title={<Text fw={600}>Confirm: {action.title}</Text>}
      size="lg"
      centered
    >
      <Stack gap="md">
        <Group gap="xs">
          <RiskBadge risk={action.risk} />
          <Text size="sm" c="dimmed">
            Check the values below. This is what will be sent.
          </Text>
        </Group>
        <Table withTableBorder className="kv-table" aria-label="Values to submit">
          <Table.Tbody>
            {fields.map((field) => (
              <Table.Tr key={field.name}>
                <Table.Th scope="row">{field.label}</Table.Th>
                <Table.Td data-confirm-value={field.name} style={{ wordBreak: "break-word" }}>
                  {props.labels[field.name] ?? displayValue(field, values[field.name] ?? "")}
                </Table.Td>
              </Table.Tr>
            ))}
            {props.reviewers && props.reviewers.length > 0 && (
              <Table.Tr>
                <Table.Th scope="row">Reviewers</Table.Th>
                <Table.Td data-confirm-reviewers>Only {props.reviewers.join(", ")}</Table.Td>
              </Table.Tr>
            )}
            {props.reason.trim() && (
              <Table.Tr>
                <Table.Th scope="row">Reason</Table.Th>
                <Table.Td>{props.reason.trim()}</Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
        {note && (
          <Alert color="navy" variant="light">
            {note}
          </Alert>
        )}
        {critical && (
          <TextInput
            label={`Type ${word} to confirm`}
            description="This action is critical and may not be undone."
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-autofocus
          />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={props.onCancel}>
            Back to the form
          </Button>
          <Button
            color={action.risk === "critical" ? "red" : "navy"}
            onClick={props.onConfirm}
            loading={props.busy}
            disabled={critical && typed.trim() !== word}
            {...(critical ? {} : { "data-autofocus": true })}
          >
            Confirm and run
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
