import { Alert, Button, Group, Modal, Stack, Table, Text } from "@mantine/core";
import type { ActionDetail } from "../../api/actions.ts";
import { RiskBadge } from "../components/Badges.tsx";
import { displayValue, type FieldModel, type FormValues } from "./field-model.ts";

/** The second look before a high or critical action runs: exactly what will be sent. */
export function ConfirmRunModal(props: {
  opened: boolean;
  action: ActionDetail;
  fields: FieldModel[];
  values: FormValues;
  /** Labels of chosen lookup options ("Northwind Traders (acc_1001)"). */
  labels: Record<string, string>;
  reason: string;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { action, fields, values } = props;
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
            {props.reason.trim() && (
              <Table.Tr>
                <Table.Th scope="row">Reason</Table.Th>
                <Table.Td>{props.reason.trim()}</Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
        {action.approval.mayBeRequired && (
          <Alert color="navy" variant="light">
            Depending on the values, a reviewer may have to approve this before it runs.
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={props.onCancel}>
            Back to the form
          </Button>
          <Button
            color={action.risk === "critical" ? "red" : "navy"}
            onClick={props.onConfirm}
            loading={props.busy}
            data-autofocus
          >
            Confirm and run
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
