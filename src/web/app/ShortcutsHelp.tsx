import { Group, Kbd, Modal, Stack, Table, Text } from "@mantine/core";
import { GO_TO } from "./useShortcuts.ts";

const OTHER: [string[], string][] = [
  [["/"], "Search the actions"],
  [["↓", "↑"], "Move through search results"],
  [["Enter"], "Open the action (from the search box: the first match)"],
  [["Ctrl", "Enter"], "Submit a form from any field"],
  [["Esc"], "Close a dialog"],
  [["?"], "Show this list"],
];

export function ShortcutsHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="md">
      <Stack gap="md">
        <Table verticalSpacing={6}>
          <Table.Tbody>
            {OTHER.map(([keys, label]) => (
              <Table.Tr key={label}>
                <Table.Td w={140}>
                  <Group gap={4}>
                    {keys.map((k) => (
                      <Kbd key={k}>{k}</Kbd>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{label}</Table.Td>
              </Table.Tr>
            ))}
            {Object.entries(GO_TO).map(([key, target]) => (
              <Table.Tr key={key}>
                <Table.Td>
                  <Group gap={4}>
                    <Kbd>g</Kbd>
                    <Text span size="xs" c="dimmed">
                      then
                    </Text>
                    <Kbd>{key}</Kbd>
                  </Group>
                </Table.Td>
                <Table.Td>Go to {target.label}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Modal>
  );
}
