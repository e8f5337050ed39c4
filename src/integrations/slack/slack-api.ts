// The few Slack Web API methods Airlock calls, over plain fetch (no SDK: six methods, one
// request shape). Every call carries the bot token as a bearer header — never in a URL or a log —
// and fails on `ok: false` with Slack's error code, which the notification row records.
export interface SlackApi {
  call<T extends object = Record<string, unknown>>(
    method: SlackMethod,
    body: Record<string, unknown>,
  ): Promise<T>;
}

export type SlackMethod =
  | "chat.postMessage"
  | "chat.update"
  | "chat.postEphemeral"
  | "views.open"
  | "users.info"
  | "conversations.members";

// users.info and conversations.members are read methods that take form fields; the others JSON.
const FORM_METHODS = new Set<SlackMethod>(["users.info", "conversations.members"]);
const TIMEOUT_MS = 10_000;

export function createSlackApi(options: { token: string; baseUrl: string }): SlackApi {
  const base = options.baseUrl.replace(/\/+$/, "");
  return {
    async call<T extends object>(method: SlackMethod, body: Record<string, unknown>): Promise<T> {
      const form = FORM_METHODS.has(method);
      const response = await fetch(`${base}/${method}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.token}`,
          "content-type": form ? "application/x-www-form-urlencoded" : "application/json; charset=utf-8",
        },
        body: form
          ? new URLSearchParams(
              Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]),
            ).toString()
          : JSON.stringify(body),
        redirect: "error",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`Slack ${method}: HTTP ${response.status}`);
      const answer = (await response.json()) as { ok?: boolean; error?: string } & T;
      if (!answer.ok) throw new Error(`Slack ${method}: ${answer.error ?? "not ok"}`);
      return answer;
    },
  };
}
