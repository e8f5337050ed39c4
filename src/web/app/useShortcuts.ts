// Keyboard-first: `/` finds an action, `g` then a letter goes to a page, `?` lists the keys.
// Keys typed into a field are the field's, never a shortcut.
import { useEffect } from "react";
import { useNavigate } from "react-router";

export const GO_TO: Record<string, { path: string; label: string }> = {
  a: { path: "/", label: "Actions" },
  r: { path: "/runs", label: "Runs" },
  i: { path: "/approvals", label: "Approvals inbox" },
  u: { path: "/audit", label: "Audit" },
  m: { path: "/admin", label: "Admin" },
};

/** The catalog's search box carries this attribute; `/` focuses it. */
export const SEARCH_ATTRIBUTE = "data-action-search";

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function useShortcuts({ onHelp }: { onHelp: () => void }) {
  const navigate = useNavigate();
  useEffect(() => {
    let pendingG = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event.target)) return;
      if (pendingG && Date.now() - pendingG < 1_500) {
        pendingG = 0;
        const target = GO_TO[event.key.toLowerCase()];
        if (target) {
          event.preventDefault();
          navigate(target.path);
        }
        return;
      }
      if (event.key === "g") {
        pendingG = Date.now();
      } else if (event.key === "/") {
        event.preventDefault();
        const search = document.querySelector<HTMLInputElement>(`[${SEARCH_ATTRIBUTE}]`);
        if (search) search.focus();
        else navigate("/?focus=search");
      } else if (event.key === "?") {
        event.preventDefault();
        onHelp();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate, onHelp]);
}
