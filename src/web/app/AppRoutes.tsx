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
        <Route path="runs" element={page(<RunsPage />)} />
        <Route path="runs/:id" element={page(<RunPage />)} />
        <Route path="approvals" element={page(<ApprovalsPage />)} />
        <Route path="approvals/:id" element={page(<ApprovalPage />)} />
        <Route path="audit" element={page(<AuditPage />)} />
        <Route path="admin/*" element={page(<AdminPage />)} />
        <Route path="mailbox" element={page(<MailboxPage />)} />
        <Route path="webhooks" element={page(<WebhooksPage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
