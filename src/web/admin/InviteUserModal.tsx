import { Button, Group, Modal, MultiSelect, Radio, Stack, Text, TextInput } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { type AdminUser, useAdminChange, useAdminGroups } from "../api/admin.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { useFormRequest } from "../components/useFormRequest.ts";
import { type HeldAnswer, HeldChangeInDialog, heldChange } from "../governance/HeldChange.tsx";

// No puppets: an admin never chooses another person's password. The person gets a one-time link
// by email and sets their own, or signs in by SSO only.
export function InviteUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const change = useAdminChange();
  const groups = useAdminGroups();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [signIn, setSignIn] = useState<"invitation" | "sso">("invitation");
  const [reason, setReason] = useState("");
  const { busy, error, setError, send } = useFormRequest();
  const [held, setHeld] = useState<HeldAnswer | null>(null);

  function close() {
    setEmail("");
    setName("");
    setChosen([]);
    setSignIn("invitation");
    setReason("");
    setError(null);
    setHeld(null);
    onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    await send(async () => {
      const answer = await change<AdminUser | HeldAnswer>(
        "POST",
        "/api/v1/admin/users",
        {
          email: email.trim(),
          name: name.trim(),
          groups: chosen,
          signIn,
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        },
        [["admin", "users"], ["admin", "groups"], ["changes"]],
      );
      const waiting = heldChange(answer);
      if (waiting) setHeld(waiting);
      else close();
    });
  }

  return (
    <Modal opened={opened} onClose={close} title="Invite a user" size="md">
      {held ? (
        <HeldChangeInDialog held={held} onClose={close} />
      ) : (
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
            <Radio.Group
              label="How they sign in"
              value={signIn}
              onChange={(v) => setSignIn(v as "invitation" | "sso")}
            >
              <Stack gap={6} mt={6}>
                <Radio
                  value="invitation"
                  label="Email them an invitation link to choose their own password"
                  description="The link works once and expires; nobody else ever knows the password."
                />
                <Radio value="sso" label="Single sign-on only (no password)" />
              </Stack>
            </Radio.Group>
            <TextInput
              label="Reason"
              description="For the second admin, if the new user's groups need one"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Text size="xs" c="dimmed">
              Admins never set another person's password.
            </Text>
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
      )}
    </Modal>
  );
}
