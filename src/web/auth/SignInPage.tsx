import {
  Alert,
  Button,
  Center,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";
import { fetchMe, ME_KEY, SIGNED_OUT_KEY, signIn, useMe, useProviders } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { LockIcon } from "../components/icons.tsx";
import { usePageTitle } from "../components/PageHeader.tsx";

/** Only paths inside Airlock: never send someone to another site after signing in. */
export function safeNext(next: string | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

export function SignInPage() {
  usePageTitle("Sign in");
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const me = useMe();
  const providers = useProviders();
  const endedReason = queryClient.getQueryData<string>(SIGNED_OUT_KEY);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState<{ email?: string; password?: string }>({});
  const [busy, setBusy] = useState(false);

  if (me.data && !busy) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const problems = {
      ...(email.trim() ? {} : { email: "Enter your email" }),
      ...(password ? {} : { password: "Enter your password" }),
    };
    setMissing(problems);
    if (problems.email || problems.password) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(api, email.trim(), password);
      // Another person may have used this tab: forget everything cached for the previous one.
      queryClient.removeQueries();
      queryClient.setQueryData(ME_KEY, await fetchMe(api));
      navigate(next, { replace: true });
    } catch (e) {
      // A password someone else chose opens no session: the person picks their own first.
      if (e instanceof ApiError && e.code === "auth.password_change_required") {
        navigate("/set-password", { state: { email: email.trim() } });
        return;
      }
      setError(e);
      setBusy(false);
    }
  }

  const oidc = providers.data?.oidc;
  const wrongPassword = error instanceof ApiError && error.code === "auth.invalid_credentials";
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={400} maw="100%">
        <Stack gap="lg">
          <Stack gap={4} align="center">
            <Center bg="navy.7" c="white" w={44} h={44} style={{ borderRadius: 10 }}>
              <LockIcon size={22} />
            </Center>
            <Title order={1} size="h3">
              Sign in to Airlock
            </Title>
            <Text size="sm" c="dimmed" ta="center">
              Governed operations: every run is checked, approved where needed, and recorded.
            </Text>
          </Stack>
          {endedReason && !error && (
            <Alert color="yellow" variant="light" role="status" title="Signed out">
              {endedReason} You will return to the page you were on.
            </Alert>
          )}
          {error !== null &&
            (wrongPassword ? (
              <Alert color="red" variant="light" role="alert" title="Not signed in">
                {(error as ApiError).message}
              </Alert>
            ) : (
              <ErrorNotice error={error} title="Not signed in" />
            ))}
          <form onSubmit={submit} noValidate>
            <Stack gap="md">
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                value={email}
                error={missing.email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                data-autofocus
                autoFocus
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                error={missing.password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <Button type="submit" loading={busy} fullWidth>
                Sign in
              </Button>
            </Stack>
          </form>
          {oidc?.enabled && (
            <>
              <Divider label="or" labelPosition="center" />
              <Button
                component="a"
                variant="default"
                fullWidth
                href={`${oidc.loginUrl ?? "/auth/oidc/login"}?returnTo=${encodeURIComponent(next)}`}
              >
                Sign in with SSO
              </Button>
            </>
          )}
          <Text size="xs" c="dimmed" ta="center">
            Trouble signing in? Ask your Airlock admin.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
