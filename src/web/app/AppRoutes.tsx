import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { RequireSession } from "../auth/RequireSession.tsx";
import { SignInPage } from "../auth/SignInPage.tsx";
import { CatalogPage } from "../catalog/CatalogPage.tsx";
import { PageLoader } from "../components/States.tsx";
import { AppLayout } from "./AppLayout.tsx";
import { NotFoundPage } from "./NotFoundPage.tsx";

// The catalog (the first page) is in the main bundle; every other page loads when first visited.
const ActionPage = lazy(() => import("../form/ActionPage.tsx"));
const RunsPage = lazy(() => import("../runs/RunsPage.tsx"));
const RunPage = lazy(() => import("../runs/RunPage.tsx"));
const ApprovalsPage = lazy(() => import("../approvals/ApprovalsPage.tsx"));
const ApprovalPage = lazy(() => import("../approvals/ApprovalPage.tsx"));
const AuditPage = lazy(() => import("../audit/AuditPage.tsx"));
const AdminPage = lazy(() => import("../admin/AdminPage.tsx"));
const MailboxPage = lazy(() => import("../notify/MailboxPage.tsx"));
const WebhooksPage = lazy(() => import("../notify/WebhooksPage.tsx"));
const NotificationSettingsPage = lazy(() => import("../notify/NotificationSettingsPage.tsx"));
const RunbookPage = lazy(() => import("../runbooks/RunbookPage.tsx"));
const RunbookRunPage = lazy(() => import("../runbooks/RunbookRunPage.tsx"));
const SchedulesPage = lazy(() => import("../schedules/SchedulesPage.tsx"));
const DemoSystemsPage = lazy(() => import("../notify/DemoSystemsPage.tsx"));
const BulkNewPage = lazy(() => import("../bulk/BulkNewPage.tsx"));
const BulkBatchPage = lazy(() => import("../bulk/BulkBatchPage.tsx"));
const SetPasswordPage = lazy(() => import("../governance/SetPasswordPage.tsx"));

function page(element: React.ReactNode) {
  return <Suspense fallback={<PageLoader />}>{element}</Suspense>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/set-password" element={page(<SetPasswordPage />)} />
      <Route
        element={
          <RequireSession>
            <AppLayout />
          </RequireSession>
        }
      >
        <Route index element={<CatalogPage />} />
        <Route path="actions/:name" element={page(<ActionPage />)} />
        <Route path="runbooks/:name" element={page(<RunbookPage />)} />
        <Route path="runbooks/runs/:id" element={page(<RunbookRunPage />)} />
        <Route path="runs" element={page(<RunsPage />)} />
        <Route path="runs/:id" element={page(<RunPage />)} />
        <Route path="approvals" element={page(<ApprovalsPage />)} />
        <Route path="approvals/:id" element={page(<ApprovalPage />)} />
        <Route path="audit" element={page(<AuditPage />)} />
        <Route path="admin/*" element={page(<AdminPage />)} />
        <Route path="mailbox" element={page(<MailboxPage />)} />
        <Route path="webhooks" element={page(<WebhooksPage />)} />
        <Route path="settings/notifications" element={page(<NotificationSettingsPage />)} />
        <Route path="schedules" element={page(<SchedulesPage />)} />
        <Route path="demo-systems" element={page(<DemoSystemsPage />)} />
        <Route path="bulk/new" element={page(<BulkNewPage />)} />
        <Route path="bulk/:id" element={page(<BulkBatchPage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
