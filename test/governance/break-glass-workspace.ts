// The governance scene with an emergency role: `incident-responder` may run the credit in an
// incident; nobody holds it but by break-glass.
import { defineWorkspace } from "../../src/sdk/index.ts";
import { governanceWorkspace, issueCredit, lookupAccount } from "./governance-workspace.ts";

export const breakGlassWorkspace = defineWorkspace({
  ...governanceWorkspace,
  name: "break_glass_test",
  actions: [issueCredit, lookupAccount],
  roles: {
    ...governanceWorkspace.roles,
    "incident-responder": { description: "Runs credits during an incident", emergency: true },
  },
  grants: [
    ...(governanceWorkspace.grants ?? []),
    { to: "incident-responder", verbs: ["run"], on: { tag: "billing" } },
  ],
});

export default breakGlassWorkspace;
