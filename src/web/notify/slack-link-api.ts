// The signed-in person's Slack links: read (GET /api/v1/me/slack-link), confirm a link request
// from Slack (POST, the token of the one-time link), unlink (DELETE), and a code to type in Slack
// (POST /api/v1/integrations/slack/link-code).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { mySlackLinks, slackLinkCode, slackUnlinked } from "../../api/slack.ts";
import { useApi } from "../api/context.ts";

export type MySlackLinks = z.output<typeof mySlackLinks>;
export type SlackLinkCode = z.output<typeof slackLinkCode>;

const KEY = ["slack-link"];

export function useSlackLinks() {
  const api = useApi();
  return useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => api.get<MySlackLinks>("/api/v1/me/slack-link", undefined, signal),
  });
}

export function useConfirmSlackLink() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (token: string) =>
      (await api.send<MySlackLinks>("POST", "/api/v1/me/slack-link", { token })).data,
    onSuccess: (data) => queries.setQueryData(KEY, data),
  });
}

export function useUnlinkSlack() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async () =>
      (await api.send<z.output<typeof slackUnlinked>>("DELETE", "/api/v1/me/slack-link")).data,
    onSuccess: () => queries.invalidateQueries({ queryKey: KEY }),
  });
}

export function useSlackLinkCode() {
  const api = useApi();
  return useMutation({
    mutationFn: async () =>
      (await api.send<SlackLinkCode>("POST", "/api/v1/integrations/slack/link-code", {})).data,
  });
}
