// `airlock/testing`: what an action author's tests import.
export type {
  TestActionOptions,
  TestApproveOptions,
  TestAuditEvent,
  TestPrincipalOptions,
  TestRunResult,
  TestWorkspace,
} from "./test-workspace.ts";
export { startTestWorkspace } from "./test-workspace.ts";
