// The public SDK: what an `airlock.config.ts` imports. Plain values only; no side effects.
import "./field-meta.ts";

export { z } from "zod";
export { ActionError } from "./action-error.ts";
export type {
  Action,
  ActionDatabase,
  ActionDefinition,
  Actor,
  AnyAction,
  ApprovalPolicy,
  BatchSummary,
  BulkOptions,
  HandlerContext,
  Logger,
  PolicyContext,
  QueryResult,
  ResourceUse,
  Risk,
  Target,
} from "./define-action.ts";
export { defineAction } from "./define-action.ts";
export type { HttpActionDefinition } from "./define-http-action.ts";
export { defineHttpAction } from "./define-http-action.ts";
export type {
  HttpAuth,
  HttpResourceClient,
  HttpResourceDefinition,
  HttpResourceRequest,
  HttpResourceResponse,
  PostgresResourceClient,
  PostgresResourceDefinition,
  Resource,
  ResourceDefinition,
  ResourceHandle,
  ResourceQueryOptions,
  ResourceQueryResult,
  SecretRef,
} from "./define-resource.ts";
export { defineResource } from "./define-resource.ts";
export type {
  AnyRunbook,
  ApproveOptions,
  Assignee,
  GateApproval,
  InputOptions,
  Runbook,
  RunbookContext,
  RunbookDefinition,
} from "./define-runbook.ts";
export { defineRunbook } from "./define-runbook.ts";
export type {
  Schedule,
  ScheduleDefinition,
  ScheduleTarget,
  ScheduleTiming,
} from "./define-schedule.ts";
export { defineSchedule } from "./define-schedule.ts";
export type { SqlActionDefinition, SqlActionResult } from "./define-sql-action.ts";
export { defineSqlAction } from "./define-sql-action.ts";
export type {
  DemoDatabase,
  DemoPastVersion,
  DemoServices,
  DemoServicesContext,
  DemoSwitch,
  DemoUser,
  GrantDefinition,
  RoleDefinition,
  Verb,
  Workspace,
  WorkspaceDefinition,
} from "./define-workspace.ts";
export { defineWorkspace } from "./define-workspace.ts";
export type { Duration } from "./duration.ts";
export { durationMs } from "./duration.ts";
export type { FieldMeta } from "./field-meta.ts";
export type { ChangeKindName, FourEyesRule, GovernanceDefinition } from "./governance-definition.ts";
export type { KnownPiiClass, PiiClass } from "./pii-class.ts";
export { PII_CLASSES } from "./pii-class.ts";
export { sanitize } from "./sanitize.ts";
