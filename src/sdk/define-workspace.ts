import type { AnyAction } from "./define-action.ts";
import type { Resource } from "./define-resource.ts";
import type { AnyRunbook } from "./define-runbook.ts";
import type { Schedule } from "./define-schedule.ts";
import { withDefinitionSource } from "./definition-source.ts";
import type { GovernanceDefinition } from "./governance-definition.ts";

/**
 * `view` an action, `run` it, `approve` others' requests for it, `audit` its runs and audit
 * events, `admin` it (its grants and policy modes; on `*`: users, groups and grants), or
 * `reveal:<pii class>` masked values of its runs (`reveal:*` for every class).
 */
export type Verb = "view" | "run" | "approve" | "audit" | "admin" | `reveal:${string}`;

export interface GrantDefinition {
  /** A role name declared in `roles`. */
  to: string;
  verbs: Verb[];
  /** One action, one runbook, every action or runbook with a tag, or everything. */
  on: { action: string } | { runbook: string } | { tag: string } | "*";
}

export interface RoleDefinition {
  description?: string;
  /** Members of these groups hold the role. */
  groups?: string[];
  /** Service identities that hold the role (for schedules and runbooks). */
  services?: string[];
  /**
   * An emergency role: nobody holds it through groups; a person takes it by break-glass, with a
   * reason, for at most 4 hours, and a second person reviews what they did afterwards.
   */
  emergency?: boolean;
}

export interface DemoUser {
  email: string;
  name: string;
  groups: string[];
}

/** A connection as the database owner, for demo seeding. */
export interface DemoDatabase {
  query(text: string, values?: readonly unknown[]): Promise<unknown>;
}

export interface DemoServicesContext {
  /** Owner URL of Airlock's database (a stand-in database goes on the same server). */
  databaseUrl: string;
  /** Prints a line to Airlock's output. */
  log(line: string): void;
}

export interface DemoServices {
  /** Secret values the demo's resources read (instead of the secret store). */
  secrets: Record<string, string>;
  /** Resources whose stand-ins listen on loopback: their calls may reach 127.0.0.1. */
  internalResources?: string[];
  /** Lines for the start banner (where the stand-ins listen, their switches). */
  notes?: string[];
  /** Switches an admin flips from the UI (demo mode only): an outage, slow answers. */
  switches?: DemoSwitch[];
  stop(): Promise<void>;
}

/** One demo switch: a few named positions, one of them current. */
export interface DemoSwitch {
  /** snake_case, unique among the demo's switches. */
  name: string;
  label: string;
  description: string;
  choices: { value: string; label: string }[];
  current(): string;
  set(value: string): void;
}

export interface WorkspaceDefinition {
  name: string;
  actions: AnyAction[];
  /** Databases and HTTP APIs the actions reach (`ctx.resources.<name>`, SQL and HTTP actions). */
  resources?: Resource[];
  /** Durable multi-step procedures (`defineRunbook`). */
  runbooks?: AnyRunbook[];
  /** Actions and runbooks started on a timetable, as service identities (`defineSchedule`). */
  schedules?: Schedule[];
  roles?: Record<string, RoleDefinition>;
  grants?: GrantDefinition[];
  /** Groups known up front (admins and SSO may add more). */
  groups?: Record<string, { description?: string }>;
  /** Non-human actors with their own grants. */
  services?: Record<string, { description?: string }>;
  /** Four-eyes on access and policy changes, and its cooldowns (docs/governance.md). */
  governance?: GovernanceDefinition;
  /** The workspace's own database schema: a folder of numbered `.sql` migrations. */
  migrations?: string;
  /** Demo mode only: users (password `demo`) and a seeding function for the domain data. */
  demo?: {
    users: DemoUser[];
    /** Writes the demo data unless already there (idempotent); run as the database owner. */
    seed?: (db: DemoDatabase) => Promise<void>;
    /** Replaces the demo data with a fresh seed (`airlock demo reset`). */
    reset?: (db: DemoDatabase) => Promise<void>;
    /**
     * Starts local stand-ins for the systems the resources reach (a second database, a provider's
     * API): their secrets, and the resources an admin would mark internal (they listen on
     * 127.0.0.1). Demo mode only; stopped with Airlock.
     */
    services?: (context: DemoServicesContext) => Promise<DemoServices>;
    /**
     * Earlier versions of the demo's actions, as if deployed at `deployedAt` (ISO 8601, before
     * now): recorded in the action change log when Airlock starts in demo mode, so an action's
     * page has a version to compare with. Production never records these.
     */
    history?: DemoPastVersion[];
  };
}

/** An action as it was before its current definition, and when that version was deployed. */
export interface DemoPastVersion {
  action: AnyAction;
  deployedAt: string;
}

export interface Workspace extends WorkspaceDefinition {
  readonly kind: "workspace";
}

/**
 * The workspace: the actions Airlock serves, who may do what with them, and (for demos) sample
 * users and data. Listed as the default export of `airlock.config.ts`.
 *
 * @example
 * export default defineWorkspace({
 *   name: "acme",
 *   actions: [issueCredit],
 *   roles: { support: { groups: ["support"] } },
 *   grants: [{ to: "support", verbs: ["view", "run"], on: { tag: "billing" } }],
 * });
 */
export function defineWorkspace(definition: WorkspaceDefinition): Workspace {
  return Object.freeze(withDefinitionSource({ ...definition, kind: "workspace" as const }, defineWorkspace));
}
