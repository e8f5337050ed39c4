import { Button, Group, Modal, MultiSelect, PasswordInput, Stack, TextInput } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { type AdminUser, useAdminChange, useAdminGroups } from "../api/admin.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";

export function InviteUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const change = useAdminChange();
  const groups = useAdminGroups();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  function close() {
    setEmail("");
    setName("");
    setChosen([]);
    setPassword("");
    setError(null);
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await change<AdminUser>(
        "POST",
        "/api/v1/admin/users",
        { email: email.trim(), name: name.trim(), groups: chosen, ...(password ? { password } : {}) },
        [
          ["admin", "users"],
          ["admin", "groups"],
        ],
      );
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={close} title="Invite a user" size="md">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Email"
            type="email"
            required
            withAsterisk
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            data-autofocus
          />
          <TextInput
            label="Name"
            required
            withAsterisk
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <MultiSelect
            label="Groups"
            description="Roles and grants follow from groups"
            data={(groups.data?.groups ?? []).map((g) => g.name)}
            value={chosen}
            onChange={setChosen}
            searchable
            clearable
          />
          <PasswordInput
            label="Initial password"
            description="At least 12 characters. Leave empty for a user who signs in with SSO only."
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          {error !== null && <ErrorNotice error={error} title="Not invited" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!email.trim() || !name.trim()}>
              Invite
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
