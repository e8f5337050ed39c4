// Choosing one's own password: through a one-time invitation link (/set-password#invitation=…;
// the token stays in the fragment, which browsers never send to a server), or in place of a
// password someone else chose, which opens no session until it is changed. Either way the person
// is signed in afterwards.
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import type { SessionResponse } from "../../api/session.ts";
import { useApi } from "../api/context.ts";
import { fetchMe, ME_KEY } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { usePageTitle } from "../components/PageHeader.tsx";

function invitationToken(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("invitation");
}

export default function SetPasswordPage() {
  usePageTitle("Choose your password");
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const token = invitationToken(location.hash);
  const given = (location.state as { email?: string } | null)?.email ?? "";
  const [email, setEmail] = useState(given);
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const invited = useQuery({
    queryKey: ["invitation", token],
    enabled: token !== null,
    retry: false,
    queryFn: async () =>
      (
        await api.request<{ email: string | null; name: string; expiresAt: string }>(
          "POST",
          "/api/v1/invitations/lookup",
          { body: { token }, quiet401: true },
        )
      ).data,
  });
  const mismatch = confirm.length > 0 && confirm !== password;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || mismatch) return;
    setBusy(true);
    setError(null);
    try {
      const { data } = token
        ? await api.request<SessionResponse>("POST", "/api/v1/invitations/accept", {
            body: { token, password },
            quiet401: true,
          })
        : await api.request<SessionResponse>("POST", "/api/v1/session/password", {
            body: { email: email.trim(), currentPassword: current, newPassword: password },
            quiet401: true,
          });
      api.csrfToken = data.csrfToken;
      queryClient.removeQueries();
      queryClient.setQueryData(ME_KEY, await fetchMe(api));
      navigate("/", { replace: true });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420} maw="100%">
        <Stack gap="lg">
          <Title order={1} size="h3" ta="center">
            Choose your password
          </Title>
          {token ? (
            invited.isError ? (
              <ErrorNotice error={invited.error} title="This link does not work" />
            ) : (
              <Text size="sm" c="dimmed" ta="center" data-invited>
                {invited.data
                  ? `For ${invited.data.email ?? invited.data.name}. Nobody else knows or chooses it.`
                  : "Checking your invitation…"}
              </Text>
            )
          ) : (
            <Alert color="yellow" variant="light" role="status">
              Your password was set by someone else. Choose your own to sign in; until then you cannot approve
              anything.
            </Alert>
          )}
          {error !== null && <ErrorNotice error={error} title="Password not set" />}
          {(!token || invited.data) && (
            <form onSubmit={submit} noValidate>
              <Stack gap="md">
                {!token && (
                  <>
                    <TextInput
                      label="Email"
                      type="email"
                      autoComplete="username"
                      value={email}
                      onChange={(e) => setEmail(e.currentTarget.value)}
                    />
                    <PasswordInput
                      label="Password you were given"
                      autoComplete="current-password"
                      value={current}
                      onChange={(e) => setCurrent(e.currentTarget.value)}
                    />
                  </>
                )}
                <PasswordInput
                  label="New password"
                  description="At least 12 characters."
                  autoComplete="new-password"
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                />
                <PasswordInput
                  label="Repeat the new password"
                  autoComplete="new-password"
                  value={confirm}
                  error={mismatch ? "The two passwords differ." : undefined}
                  onChange={(e) => setConfirm(e.currentTarget.value)}
                />
                <Button type="submit" loading={busy} fullWidth disabled={!password || mismatch}>
                  Set password and sign in
                </Button>
              </Stack>
            </form>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
