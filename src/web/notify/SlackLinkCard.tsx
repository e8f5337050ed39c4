// Slack on the notification settings page: whether the person's Slack account is linked (then
// Approve and Reject clicked in Slack act as them), Unlink, and the two ways to link. A one-time
// link from Slack (`/airlock link`) lands here with its token in the URL's fragment; opening it
// links nothing: the person confirms with a button (link previews and scanners only open pages).
import { Alert, Button, Code, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { useConfirmSlackLink, useSlackLinkCode, useSlackLinks, useUnlinkSlack } from "./slack-link-api.ts";

const FRAGMENT = /(?:^#|&)slack-link=([\w-]+)/;

export function SlackLinkCard() {
  const links = useSlackLinks();
  const confirm = useConfirmSlackLink();
  const unlink = useUnlinkSlack();
  const code = useSlackLinkCode();
  const [token, setToken] = useState<string | null>(null);
  useEffect(() => {
    const match = FRAGMENT.exec(window.location.hash);
    if (match) setToken(match[1]!);
  }, []);
  const forget = () => {
    setToken(null);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  };
  if (!links.data?.slack) return null;
  const linked = links.data.links;
  return (
    <Paper withBorder radius="md" p="md" mt="lg" data-slack-link>
      <Stack gap="sm">
        <Title order={2} size="h4">
          Slack
        </Title>
        {token && (
          <Alert
            color="yellow"
            title="Link the Slack account that asked for this link?"
            data-slack-link-request
          >
            <Stack gap="xs">
              <Text size="sm">
                Approve and Reject clicked by that Slack account will act as you. Confirm only a link you
                asked for yourself in Slack (with /airlock link); Slack must show that account's confirmed
                email equal to yours.
              </Text>
              {confirm.isError && <ErrorNotice error={confirm.error} title="Not linked" />}
              <Group gap="sm">
                <Button
                  loading={confirm.isPending}
                  onClick={() => confirm.mutate(token, { onSuccess: forget })}
                >
                  Link my Slack account
                </Button>
                <Button variant="default" onClick={forget}>
                  Not now
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {linked.length > 0 ? (
          <>
            {linked.map((l) => (
              <Text size="sm" key={`${l.slackTeamId}/${l.slackUserId}`} data-slack-linked={l.slackUserId}>
                Linked to Slack user <Code>{l.slackUserId}</Code> in workspace <Code>{l.slackTeamId}</Code>{" "}
                since {new Date(l.linkedAt).toLocaleString()}: Approve and Reject clicked there act as you.
              </Text>
            ))}
            {unlink.isError && <ErrorNotice error={unlink.error} title="Not unlinked" />}
            <Group>
              <Button
                variant="default"
                color="red"
                loading={unlink.isPending}
                onClick={() => unlink.mutate()}
              >
                Unlink Slack
              </Button>
            </Group>
          </>
        ) : (
          <>
            <Text size="sm" data-slack-not-linked>
              Your Slack account is not linked: Approve and Reject in Slack do nothing for you, and Airlock
              sends you no direct messages. Type <Code>/airlock link</Code> in Slack and open the link it
              gives you here, or make a code and type it in Slack.
            </Text>
            {code.isError && <ErrorNotice error={code.error} title="No code" />}
            {code.data ? (
              <Text size="sm">
                Type <Code>{code.data.command}</Code> in Slack before{" "}
                {new Date(code.data.expiresAt).toLocaleTimeString()}.
              </Text>
            ) : (
              <Group>
                <Button variant="default" loading={code.isPending} onClick={() => code.mutate()}>
                  Make a code
                </Button>
              </Group>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
