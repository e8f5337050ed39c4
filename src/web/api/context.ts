import { createContext, useContext } from "react";
import type { ApiClient } from "./http.ts";

/** The API client of this app instance (created once in the app root, not a module global). */
export const ApiContext = createContext<ApiClient | null>(null);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi() outside <ApiContext>");
  return api;
}
