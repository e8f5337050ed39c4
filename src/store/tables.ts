// Kysely's view of Airlock's tables (schema `airlock`, on the search path of every runtime
// connection). Keep in step with migrations/; test/store/schema-drift.test.ts compares the two.
import type { ColumnType, Generated, JSONColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string | undefined | null, string | null>;

export interface UsersTable {
  id: string;
  kind: "human" | "service";
  email: string | null;
  name: string;
  status: Generated<"active" | "disabled">;
  password_hash: string | null;
  source: Generated<"admin" | "config" | "demo" | "oidc">;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  disabled_at: NullableTimestamp;
}

export interface GroupsTable {
  id: string;
  name: string;
  description: string | null;
  source: Generated<"admin" | "config" | "oidc">;
  created_at: Generated<Date>;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  source: Generated<"admin" | "config" | "demo" | "oidc">;
  added_by: string | null;
  added_at: Generated<Date>;
}

export interface GrantsTable {
  id: string;
  subject_kind: "role" | "group";
  subject: string;
  verbs: string[];
  on_kind: "action" | "tag" | "all";
  on_value: string | null;
  created_by: string;
  created_at: Generated<Date>;
  revoked_by: string | null;
  revoked_at: NullableTimestamp;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
  client_ip: string | null;
  user_agent: string | null;
  revoked_at: NullableTimestamp;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_by: string;
  created_at: Generated<Date>;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface RunsTable {
  id: string;
  action: string;
  action_version: string;
  status: string;
  actor_id: string;
  on_behalf_of: string | null;
  channel: string;
  target_type: string | null;
  target_id: string | null;
  params: Json;
  params_hash: string;
  reason: string | null;
  result: Json;
  error_code: string | null;
  error_message: string | null;
  request_id: string;
  parent_request_id: string | null;
  idempotency_key: string | null;
  attempt: Generated<number>;
  snapshot_before: Json;
  snapshot_after: Json;
  authorized_by: Json;
  approval_request_id: string | null;
  created_at: Generated<Date>;
  queued_at: NullableTimestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Generated<Date>;
}

export interface IdempotencyKeysTable {
  actor_id: string;
  key: string;
  action: string;
  params_hash: string;
  run_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<string>;
  txid: Generated<string>;
  occurred_at: Generated<Date>;
  type: string;
  actor_id: string | null;
  actor_kind: string | null;
  on_behalf_of: string | null;
  action: string | null;
  action_version: string | null;
  target_type: string | null;
  target_id: string | null;
  run_id: string | null;
  approval_request_id: string | null;
  request_id: string | null;
  parent_request_id: string | null;
  idempotency_key: string | null;
  outcome: "success" | "failure" | "denied" | "pending" | "info";
  error_code: string | null;
  reason: string | null;
  params: Json;
  data: Json;
  client_ip: string | null;
  user_agent: string | null;
}

export interface AuditSealsTable {
  id: string;
  prev_root: string;
  root: string;
  event_count: number;
  first_txid: string;
  first_event_id: string;
  last_txid: string;
  last_event_id: string;
  event_ids: string[];
  event_hashes: Buffer;
  scheme: string;
  signature: string | null;
  key_id: string | null;
  sealed_at: Generated<Date>;
}

export interface SchemaMigrationsTable {
  scope: string;
  version: number;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export interface Tables {
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  grants: GrantsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  runs: RunsTable;
  idempotency_keys: IdempotencyKeysTable;
  audit_events: AuditEventsTable;
  audit_seals: AuditSealsTable;
  schema_migrations: SchemaMigrationsTable;
}

export type { JSONColumnType };
