// Loading, empty and "not available" states, one look everywhere.
import { Center, EmptyState, Loader, Skeleton, Stack } from "@mantine/core";
import type { ReactNode } from "react";
import { ApiError } from "../api/http.ts";
import { ErrorNotice } from "./ErrorNotice.tsx";
import { ShieldIcon } from "./icons.tsx";

export function PageLoader({ label = "Loading" }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Loader size="md" aria-label={label} />
    </Center>
  );
}

export function ListSkeleton({ rows = 5, label = "Loading" }: { rows?: number; label?: string }) {
  return (
    <Stack gap="xs" role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <Skeleton key={i} height={52} radius="sm" />
      ))}
    </Stack>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <EmptyState
      title={title}
      description={children}
      size="sm"
      py="xl"
      icon={<ShieldIcon size={28} />}
      withIndicatorBackground
    />
  );
}

export function NotAvailable({ what }: { what: string }) {
  return (
    <Empty title={`${what} is not available yet`}>
      This Airlock server does not offer it (its API answered “not found”). It appears here once the server is
      updated.
    </Empty>
  );
}

/** A failed query: "not available" for a missing endpoint, the error with its request ID otherwise. */
export function QueryError({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.notAvailable) return <NotAvailable what={what} />;
  return <ErrorNotice error={error} title={`Could not load ${what.toLowerCase()}`} />;
}
