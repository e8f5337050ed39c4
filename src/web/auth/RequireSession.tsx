import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useMe } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageLoader } from "../components/States.tsx";

/** Signed-in pages only: anyone else goes to sign-in, and comes back here afterwards. */
export function RequireSession({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <PageLoader label="Checking your session" />;
  if (me.isError)
    return (
      <main style={{ maxWidth: 640, margin: "64px auto", padding: 16 }}>
        <ErrorNotice error={me.error} title="Airlock is not answering" />
      </main>
    );
  if (!me.data) {
    const next = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/sign-in${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`} replace />;
  }
  return <>{children}</>;
}
