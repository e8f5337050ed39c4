import { createContext, useContext } from "react";
import type { PiiPath } from "./result-shape.ts";

/** What a value cell needs to know to show a masked value and offer "Reveal". */
export interface RevealScope {
  runId: string | null;
  /** "result" or "params": the first element of the reveal path. */
  section: "result" | "params";
  piiPaths: PiiPath[];
  canReveal: (piiClass: string) => boolean;
}

export const RevealContext = createContext<RevealScope>({
  runId: null,
  section: "result",
  piiPaths: [],
  canReveal: () => false,
});

export function useRevealScope(): RevealScope {
  return useContext(RevealContext);
}
