// A minimal browser for HTTP tests: keeps the cookies the app sets (honouring Max-Age=0 deletions)
// and sends them back, and remembers the CSRF token of the last sign-in. Requests go in-process
// through `app.request()`. (The real browser, Chromium, is test/web/support/chromium.ts.)
import type { TestAirlock } from "./test-airlock.ts";

export class Browser {
  readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;
  /** Raw Set-Cookie lines of the last response. */
  lastSetCookies: string[] = [];
  private readonly t: TestAirlock;

  constructor(t: TestAirlock) {
    this.t = t;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  remember(response: Response): void {
    this.lastSetCookies = response.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const [pair, ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const gone = attributes.some((a) => /^max-age=0$/i.test(a)) || value === "";
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit & { csrf?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", this.cookieHeader());
    if (init.csrf !== false && this.csrfToken && !headers.has("x-csrf-token"))
      headers.set("x-csrf-token", this.csrfToken);
    if (init.body !== undefined && !headers.has("content-type"))
      headers.set("content-type", "application/json");
    const { csrf: _csrf, ...rest } = init;
    const response = await this.t.request(path, { ...rest, headers });
    this.remember(response);
    return response;
  }

  async login(email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await this.request("/api/v1/session", {
      method: "POST",
      body: JSON.stringify({ email, password }),
      headers,
      csrf: false,
    });
    if (response.status === 200) {
      const body = (await response.clone().json()) as { csrfToken: string };
      this.csrfToken = body.csrfToken;
    }
    return response;
  }
}
