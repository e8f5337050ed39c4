// The demo's risk, privacy and account-administration actions (fraud flags, GDPR export and
// erasure, email, admins, trials, flags, plans, onboarding). One action per file in this folder.
import type { AnyAction } from "../../../src/sdk/index.ts";

export const customerActions: AnyAction[] = [];
