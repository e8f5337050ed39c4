import { Button, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { type ReactNode, useCallback, useRef, useState } from "react";

export interface ConfirmRequest {
  /** Names what changes: "Revoke the token “deploy-bot”?" */
  title: string;
  message: ReactNode;
  /** The confirming button's words: "Revoke", "Disable". */
  confirm: string;
  danger?: boolean;
  /** For what cannot be undone: the person types this (a name) before the button works. */
  typeToConfirm?: string;
}

/**
 * An in-page confirmation instead of the browser's `window.confirm` (which cannot say what it
 * changes in the app's words, blocks the page, and is skipped by some browsers):
 * `if (!(await confirm({ … }))) return;` and render `dialog`.
 */
export function useConfirm(): [(request: ConfirmRequest) => Promise<boolean>, ReactNode] {
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  const [typed, setTyped] = useState("");
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const confirm = useCallback(
    (next: ConfirmRequest) =>
      new Promise<boolean>((resolve) => {
        resolver.current?.(false);
        resolver.current = resolve;
        setTyped("");
        setRequest(next);
      }),
    [],
  );
  const close = (ok: boolean) => {
    resolver.current?.(ok);
    resolver.current = null;
    setRequest(null);
  };
  const matches = !request?.typeToConfirm || typed.trim() === request.typeToConfirm;
  const dialog = (
    <Modal
      opened={request !== null}
      onClose={() => close(false)}
      title={<Text fw={600}>{request?.title}</Text>}
      centered
    >
      <Stack gap="md">
        <Text size="sm">{request?.message}</Text>
        {request?.typeToConfirm && (
          <TextInput
            label={`Type ${request.typeToConfirm} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-autofocus
          />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={() => close(false)}>
            Keep it
          </Button>
          <Button color={request?.danger ? "red.9" : "navy"} disabled={!matches} onClick={() => close(true)}>
            {request?.confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
  return [confirm, dialog];
}
