import { Badge } from "@mantine/core";
import { forwardRef, type KeyboardEvent } from "react";
import type { ActionSummary } from "../../api/actions.ts";
import { ApprovalBadge, RiskBadge } from "../components/Badges.tsx";
import { CatalogRow } from "./CatalogRow.tsx";

export const ActionRow = forwardRef<
  HTMLAnchorElement,
  { action: ActionSummary; onKeyDown: (event: KeyboardEvent<HTMLAnchorElement>) => void }
>(function ActionRow({ action, onKeyDown }, ref) {
  return (
    <CatalogRow
      ref={ref}
      entry={action}
      to={`/actions/${action.name}`}
      onKeyDown={onKeyDown}
      data-action-row={action.name}
      badges={
        <>
          <RiskBadge risk={action.risk} />
          {action.approval.mayBeRequired && <ApprovalBadge />}
          {!action.permissions.run && (
            <Badge size="sm" variant="default" radius="sm">
              View only
            </Badge>
          )}
        </>
      }
    />
  );
});
