import { ActionIcon, CopyButton, Group, Text, Tooltip } from "@mantine/core";
import { CheckIcon, CopyIcon } from "./icons.tsx";

export function CopyIconButton({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value} timeout={1500}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? "Copied" : `Copy ${label}`} withArrow position="top">
          <ActionIcon
            variant="subtle"
            color={copied ? "teal" : "gray"}
            size="sm"
            onClick={copy}
            aria-label={copied ? `${label} copied` : `Copy ${label}`}
          >
            {copied ? <CheckIcon /> : <CopyIcon />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/** A value (run ID, request ID) in monospace with a button that copies it. */
export function CopyText({
  value,
  label,
  size = "sm",
}: {
  value: string;
  label: string;
  size?: "xs" | "sm";
}) {
  return (
    <Group gap={4} wrap="nowrap" display="inline-flex">
      <Text component="span" ff="monospace" size={size} style={{ wordBreak: "break-all" }}>
        {value}
      </Text>
      <CopyIconButton value={value} label={label} />
    </Group>
  );
}
