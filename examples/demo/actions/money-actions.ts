// The demo's money and support-desk actions (credits, refunds, transfers, bills, deposits,
// payment confirmations). One action per file in this folder; this list is what the workspace uses.
import type { AnyAction } from "../../../src/sdk/index.ts";

export const moneyActions: AnyAction[] = [];
