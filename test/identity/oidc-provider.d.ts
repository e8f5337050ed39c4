// The few parts of oidc-provider (v9, untyped) that the SSO test uses.
declare module "oidc-provider" {
  import type { Server } from "node:http";

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Record<string, unknown> | Promise<Record<string, unknown>>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, callback?: () => void): Server;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
