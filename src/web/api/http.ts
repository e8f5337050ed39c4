// The one way the UI talks to Airlock: JSON over /api/v1 with the session cookie. Every
// state-changing request carries the session's CSRF token and says it comes from the web client;
// every failure becomes an ApiError with the server's code, message and request ID.

import type { Issue } from "../../api/common.ts";

export type ApiIssue = Issue;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly issues: ApiIssue[];
  readonly details: Record<string, unknown>;

  constructor(input: {
    status: number;
    code: string;
    message: string;
    requestId: string | null;
    details?: Record<string, unknown> | undefined;
  }) {
    super(input.message);
    this.name = "ApiError";
    this.status = input.status;
    this.code = input.code;
    this.requestId = input.requestId;
    this.details = input.details ?? {};
    this.issues = Array.isArray(this.details.issues) ? (this.details.issues as ApiIssue[]) : [];
  }

  /** The endpoint does not exist on this server (a feature not built or not enabled yet). */
  get notAvailable(): boolean {
    return this.status === 404 && this.code === "request.not_found";
  }

  /** The session is gone: sign in again. */
  get signedOut(): boolean {
    return this.status === 401 && (this.code === "auth.required" || this.code === "auth.session_expired");
  }
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  requestId: string | null;
  headers: Headers;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

export class ApiClient {
  /** From sign-in or GET /api/v1/me; sent as X-CSRF-Token on every state-changing request. */
  csrfToken: string | null = null;
  private readonly onSignedOut: (error: ApiError) => void;

  constructor(options: { onSignedOut: (error: ApiError) => void }) {
    this.onSignedOut = options.onSignedOut;
  }

  async request<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      quiet401?: boolean;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (!SAFE_METHODS.has(method)) {
      headers["x-airlock-client"] = "web";
      if (this.csrfToken) headers["x-csrf-token"] = this.csrfToken;
    }
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new ApiError({
        status: 0,
        code: "network",
        message: "Airlock did not answer. Check your connection and try again.",
        requestId: null,
      });
    }
    const requestId = response.headers.get("x-request-id");
    const text = await response.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const envelope = (
        data as {
          error?: { code?: string; message?: string; requestId?: string; details?: Record<string, unknown> };
        } | null
      )?.error;
      const error = new ApiError({
        status: response.status,
        code: envelope?.code ?? `http.${response.status}`,
        message: envelope?.message ?? `The server answered ${response.status} ${response.statusText}.`,
        requestId: envelope?.requestId ?? requestId,
        details: envelope?.details,
      });
      if (error.signedOut && !options.quiet401) this.onSignedOut(error);
      throw error;
    }
    return { data: data as T, status: response.status, requestId, headers: response.headers };
  }

  async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return (await this.request<T>("GET", withQuery(path, query), signal ? { signal } : {})).data;
  }

  send<T>(
    method: "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    return this.request<T>(method, path, { body, ...(headers ? { headers } : {}) });
  }
}
