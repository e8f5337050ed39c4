// Admin: secrets. Names, owners and versions are listed; a value can be set or replaced but is
// never shown, because the API never sends one back (docs/secrets.md).
import {
  Button,
  Group,
  Modal,
  Paper,
  PasswordInput,
  ScrollArea,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { SecretInfo, SecretList } from "../../api/secrets.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { useFormRequest } from "../components/useFormRequest.ts";

const NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

function SetSecretModal({
  target,
  onClose,
}: {
  /** `""`: a new secret; a name: replace that secret's value; null: closed. */
  target: string | null;
  onClose: () => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [owner, setOwner] = useState("");
  const { busy, error, setError, send } = useFormRequest();
  const replacing = target !== null && target !== "";
  const secretName = replacing ? target : name.trim();
  function close() {
    setName("");
    setValue("");
    setOwner("");
    setError(null);
    onClose();
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    await send(async () => {
      await api.request("PUT", `/api/v1/admin/secrets/${encodeURIComponent(secretName)}`, {
        body: { value, ...(owner.trim() ? { owner: owner.trim() } : {}) },
      });
      await queryClient.invalidateQueries({ queryKey: ["admin", "secrets"] });
      close();
    });
  }
  return (
    <Modal
      opened={target !== null}
      onClose={close}
      title={replacing ? `Replace the value of ${target}` : "New secret"}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {!replacing && (
            <TextInput
              label="Name"
              description="Upper-case letters, digits and single underscores: LEDGER_DB_URL"
              withAsterisk
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={name && !NAME.test(name.trim()) ? "Use a name like LEDGER_DB_URL" : undefined}
              data-autofocus
            />
          )}
          <PasswordInput
            label="Value"
            description="Stored encrypted. It is never shown again, here or anywhere."
            withAsterisk
            autoComplete="new-password"
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
          />
          <TextInput
            label="Owner"
            description={
              replacing ? "Leave empty to keep the current owner" : "Who answers for it (optional)"
            }
            value={owner}
            onChange={(e) => setOwner(e.currentTarget.value)}
          />
          {error !== null && <ErrorNotice error={error} title="Secret not saved" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!value || !NAME.test(secretName)}>
              {replacing ? "Replace value" : "Create secret"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteSecretModal({ secret, onClose }: { secret: SecretInfo | null; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { busy, error, send } = useFormRequest();
  async function remove() {
    if (!secret) return;
    await send(async () => {
      await api.request("DELETE", `/api/v1/admin/secrets/${encodeURIComponent(secret.name)}`);
      await queryClient.invalidateQueries({ queryKey: ["admin", "secrets"] });
      onClose();
    });
  }
  return (
    <Modal opened={secret !== null} onClose={onClose} title={`Delete ${secret?.name ?? ""}`}>
      <Stack gap="md">
        <Text size="sm">Anything that uses this secret stops working until it is set again.</Text>
        {error !== null && <ErrorNotice error={error} title="Secret not deleted" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={busy} onClick={remove}>
            Delete secret
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function SecretsTab() {
  const api = useApi();
  const secrets = useQuery({
    queryKey: ["admin", "secrets"],
    queryFn: ({ signal }) => api.get<SecretList>("/api/v1/admin/secrets", undefined, signal),
  });
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SecretInfo | null>(null);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Values are encrypted at rest and never shown; every change is audited.
        </Text>
        <Button onClick={() => setEditing("")}>New secret</Button>
      </Group>
      {secrets.isPending ? (
        <ListSkeleton rows={3} label="Loading secrets" />
      ) : secrets.isError ? (
        <QueryError error={secrets.error} what="The secrets" />
      ) : secrets.data.secrets.length === 0 ? (
        <Text size="sm" c="dimmed">
          No secrets.
        </Text>
      ) : (
        <Paper withBorder radius="md">
          <ScrollArea type="auto">
            <Table verticalSpacing={6} fz="sm" aria-label="Secrets">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Updated</Table.Th>
                  <Table.Th>By</Table.Th>
                  <Table.Th>
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {secrets.data.secrets.map((s) => (
                  <Table.Tr key={s.name} data-secret={s.name}>
                    <Table.Td ff="monospace">{s.name}</Table.Td>
                    <Table.Td>{s.owner ?? ""}</Table.Td>
                    <Table.Td>{s.version}</Table.Td>
                    <Table.Td>
                      <Time value={s.updatedAt} />
                    </Table.Td>
                    <Table.Td>{s.updatedBy}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => setEditing(s.name)}>
                          Replace value<span className="visually-hidden"> of {s.name}</span>
                        </Button>
                        <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(s)}>
                          Delete<span className="visually-hidden"> {s.name}</span>
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      )}
      <SetSecretModal target={editing} onClose={() => setEditing(null)} />
      <DeleteSecretModal secret={deleting} onClose={() => setDeleting(null)} />
    </Stack>
  );
}
