import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { BrowserRouter } from "react-router";
import { ApiContext } from "../api/context.ts";
import { ApiClient, ApiError } from "../api/http.ts";
import { ME_KEY, SIGNED_OUT_KEY } from "../api/session.ts";
import { ToastProvider } from "../components/toasts.tsx";
import { AppRoutes } from "./AppRoutes.tsx";
import { cssVariablesResolver, theme } from "./theme.ts";

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; a dropped connection might.
        retry: (count, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
    },
  });
}

/** The root: one QueryClient and one API client for this page, the theme, the router. */
export function App({ styleNonce }: { styleNonce?: string | undefined }) {
  const [queryClient] = useState(createQueryClient);
  const [api] = useState(
    () =>
      new ApiClient({
        // A 401 from any call: the session ended. Back to sign-in (RequireSession), then back here.
        onSignedOut: (error) => {
          queryClient.setQueryData(SIGNED_OUT_KEY, error.message);
          queryClient.setQueryData(ME_KEY, null);
        },
      }),
  );
  // Under `airlock dev`, a saved workspace is announced by the dev script (src/cli/dev-banner.ts):
  // refetching every query shows the new version without loading the page again.
  useEffect(() => {
    const refresh = () => void queryClient.invalidateQueries();
    document.documentElement.dataset.airlockRefresh = "queries";
    window.addEventListener("airlock:workspace-reloaded", refresh);
    return () => {
      delete document.documentElement.dataset.airlockRefresh;
      window.removeEventListener("airlock:workspace-reloaded", refresh);
    };
  }, [queryClient]);
  return (
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      // Light or dark as the system prefers: ops teams work nights.
      defaultColorScheme="auto"
      {...(styleNonce ? { getStyleNonce: () => styleNonce } : {})}
    >
      <QueryClientProvider client={queryClient}>
        <ApiContext value={api}>
          <ToastProvider>
            <BrowserRouter>
              <AppRoutes />
            </BrowserRouter>
          </ToastProvider>
        </ApiContext>
      </QueryClientProvider>
    </MantineProvider>
  );
}
