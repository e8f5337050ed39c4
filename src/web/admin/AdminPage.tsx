import { Tabs } from "@mantine/core";
import { Navigate, useNavigate, useParams } from "react-router";
import { canSeeAdmin, canSeeAudit, isWorkspaceAdmin, useCurrentUser } from "../api/session.ts";
import { PageHeader } from "../components/PageHeader.tsx";
import { AccessReviewsTab, useAccessReviews } from "../governance/AccessReviewsTab.tsx";
import { GrantsTab } from "./GrantsTab.tsx";
import { GroupsTab } from "./GroupsTab.tsx";
import { PoliciesTab } from "./PoliciesTab.tsx";
import { SecretsTab } from "./SecretsTab.tsx";
import { TokensTab } from "./TokensTab.tsx";
import { UsersTab } from "./UsersTab.tsx";

export default function AdminPage() {
  const me = useCurrentUser();
  const navigate = useNavigate();
  const { "*": rest = "" } = useParams();
  const admin = isWorkspaceAdmin(me);
  const reviews = useAccessReviews();
  // API tokens are everyone's own; the rest is for workspace admins (policies: action admins and auditors).
  const tabs = [
    ...(admin
      ? [
          { value: "users", label: "Users" },
          { value: "groups", label: "Groups" },
          { value: "grants", label: "Grants" },
          { value: "secrets", label: "Secrets" },
        ]
      : []),
    { value: "tokens", label: "API tokens" },
    // Reviewers need not be admins: anyone named on a review sees the tab.
    ...(admin || canSeeAudit(me) || (reviews.data?.reviews.length ?? 0) > 0
      ? [{ value: "reviews", label: "Access reviews" }]
      : []),
    ...(canSeeAdmin(me) || canSeeAudit(me) ? [{ value: "policies", label: "Policies" }] : []),
  ];
  const current = rest.split("/")[0] || tabs[0]!.value;
  if (!tabs.some((t) => t.value === current)) return <Navigate to={`/admin/${tabs[0]!.value}`} replace />;

  return (
    <>
      <PageHeader
        title={admin ? "Admin" : "API tokens"}
        description={
          admin
            ? "Users, groups, grants, API tokens and approval policy modes. Every change is audited."
            : "Tokens let scripts and the CLI act as you. Each is shown once when created."
        }
      />
      <Tabs value={current} onChange={(v) => v && navigate(`/admin/${v}`)} keepMounted={false}>
        <Tabs.List mb="md">
          {tabs.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="users">{admin && <UsersTab />}</Tabs.Panel>
        <Tabs.Panel value="groups">{admin && <GroupsTab />}</Tabs.Panel>
        <Tabs.Panel value="grants">{admin && <GrantsTab />}</Tabs.Panel>
        <Tabs.Panel value="secrets">{admin && <SecretsTab />}</Tabs.Panel>
        <Tabs.Panel value="tokens">
          <TokensTab admin={admin} />
        </Tabs.Panel>
        <Tabs.Panel value="reviews">
          <AccessReviewsTab admin={admin} />
        </Tabs.Panel>
        <Tabs.Panel value="policies">
          <PoliciesTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
