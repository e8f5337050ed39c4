// Success and failure announced: a short message in the corner (a live region, so screen readers
// read it too) that goes away by itself after a few seconds or when closed.
import { Notification, Stack } from "@mantine/core";
import { createContext, type ReactNode, useCallback, useContext, useRef, useState } from "react";

export interface Toast {
  kind: "success" | "failure";
  title: string;
  message?: ReactNode;
}

type Show = (toast: Toast) => void;

const ToastContext = createContext<Show>(() => {});

/** `toast({ kind: "success", title: "Approved" })`. */
export function useToast(): Show {
  return useContext(ToastContext);
}

const SHOWN_MS = 6_000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<(Toast & { id: number })[]>([]);
  const next = useRef(0);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback<Show>(
    (toast) => {
      const id = ++next.current;
      setToasts((all) => [...all.slice(-2), { ...toast, id }]);
      setTimeout(() => dismiss(id), SHOWN_MS);
    },
    [dismiss],
  );
  return (
    <ToastContext value={show}>
      {children}
      <Stack gap="xs" className="toasts" aria-live="polite" data-toasts>
        {toasts.map((t) => (
          <Notification
            key={t.id}
            color={t.kind === "success" ? "teal.9" : "red.9"}
            title={t.title}
            role={t.kind === "success" ? "status" : "alert"}
            data-toast={t.kind}
            onClose={() => dismiss(t.id)}
            closeButtonProps={{ "aria-label": "Close the message" }}
            withBorder
            // Mantine's dimmed description fails WCAG AA contrast (3.3:1) on white.
            styles={{ description: { color: "var(--mantine-color-text)" } }}
          >
            {t.message}
          </Notification>
        ))}
      </Stack>
    </ToastContext>
  );
}
