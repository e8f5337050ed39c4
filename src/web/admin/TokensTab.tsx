import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  ScrollArea,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import type { CreatedToken } from "../../api/tokens.ts";
import { type Token, useAdminChange, useAllTokens, useMyTokens } from "../api/admin.ts";
import { CopyText } from "../components/CopyText.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { useToast } from "../components/toasts.tsx";
import { useConfirm } from "../components/useConfirm.tsx";
import { useFormRequest } from "../components/useFormRequest.ts";
import { ServiceTokens } from "../governance/ServiceTokens.tsx";

function TokenTable({
  tokens,
  label,
  onRevoke,
  showOwner,
}: {
  tokens: Token[];
  label: string;
  onRevoke: (t: Token) => void;
  showOwner?: boolean;
}) {
  if (tokens.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No tokens.
      </Text>
    );
  return (
    <Paper withBorder radius="md">
      <ScrollArea type="auto">
        <Table verticalSpacing={6} fz="sm" aria-label={label}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              {showOwner && <Table.Th>Owner</Table.Th>}
              <Table.Th>Prefix</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Revoke</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tokens.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                {showOwner && <Table.Td ff="monospace">{t.userId}</Table.Td>}
                <Table.Td ff="monospace">{t.prefix}…</Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={t.status === "active" ? "teal" : "gray"}>
                    {t.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Time value={t.lastUsedAt} />
                </Table.Td>
                <Table.Td>{t.expiresAt ? <Time value={t.expiresAt} /> : "never"}</Table.Td>
                <Table.Td ta="right">
                  {t.status === "active" && (
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      onClick={() => onRevoke(t)}
                      aria-label={`Revoke token ${t.name}`}
                    >
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Paper>
  );
}

export function TokensTab({ admin }: { admin: boolean }) {
  const [confirm, confirmDialog] = useConfirm();
  const mine = useMyTokens();
  const all = useAllTokens(admin);
  const change = useAdminChange();
  const toast = useToast();
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<string | null>(null);
  const { busy, error, setError, send } = useFormRequest();

  async function create(event: FormEvent) {
    event.preventDefault();
    await send(async () => {
      const n = Number(days);
      const expiresAt = days.trim() && n > 0 ? new Date(Date.now() + n * 86_400_000).toISOString() : null;
      const token = await change<CreatedToken>("POST", "/api/v1/tokens", { name: name.trim(), expiresAt }, [
        ["tokens"],
      ]);
      setCreated(token.token);
      setName("");
    });
  }

  async function revoke(t: Token) {
    const ok = await confirm({
      title: `Revoke the token “${t.name}”?`,
      message: "Scripts using it stop working at once. This cannot be undone.",
      confirm: "Revoke the token",
      danger: true,
    });
    if (!ok) return;
    setError(null);
    try {
      await change("DELETE", `/api/v1/tokens/${encodeURIComponent(t.id)}`, undefined, [["tokens"]]);
      toast({ kind: "success", title: `Token “${t.name}” revoked` });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Stack gap="lg">
      {confirmDialog}
      <Paper withBorder radius="md" p="md">
        <form onSubmit={create} noValidate>
          <Group align="flex-end" gap="sm">
            <TextInput
              label="New token name"
              placeholder="e.g. laptop CLI"
              withAsterisk
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              w={260}
            />
            <TextInput
              label="Expires in (days)"
              description="Empty: never"
              inputMode="numeric"
              value={days}
              onChange={(e) => setDays(e.currentTarget.value)}
              w={150}
            />
            <Button type="submit" loading={busy} disabled={!name.trim()}>
              Create token
            </Button>
          </Group>
        </form>
      </Paper>
      {created && (
        <Alert
          color="yellow"
          variant="light"
          title="Copy your token now"
          withCloseButton
          onClose={() => setCreated(null)}
          closeButtonLabel="Dismiss"
        >
          <Stack gap={6}>
            <Text size="sm">It is shown this once; Airlock keeps only a hash.</Text>
            <Code block>
              <CopyText value={created} label="token" size="xs" />
            </Code>
          </Stack>
        </Alert>
      )}
      {error !== null && <ErrorNotice error={error} />}
      <Stack gap="xs">
        <Text fw={600}>Your tokens</Text>
        {mine.isPending ? (
          <ListSkeleton rows={2} />
        ) : mine.isError ? (
          <QueryError error={mine.error} what="API tokens" />
        ) : (
          <TokenTable tokens={mine.data.tokens} label="Your tokens" onRevoke={(t) => void revoke(t)} />
        )}
      </Stack>
      {admin && <ServiceTokens />}
      {admin && (
        <Stack gap="xs">
          <Text fw={600}>Every token</Text>
          {all.isPending ? (
            <ListSkeleton rows={2} />
          ) : all.isError ? (
            <QueryError error={all.error} what="All API tokens" />
          ) : (
            <TokenTable
              tokens={all.data.tokens}
              label="Every token"
              onRevoke={(t) => void revoke(t)}
              showOwner
            />
          )}
        </Stack>
      )}
    </Stack>
  );
}
