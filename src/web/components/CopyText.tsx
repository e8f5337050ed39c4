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

/**
 * Where an ID is cut short: its kind and the start of its ULID (`req_01M8XCDA…`) tell rows apart;
 * the whole ID is on hover, in the accessible name, and what the copy button copies.
 */
export const TRUNCATED_ID_STYLE = {
  display: "inline-block",
  maxWidth: "13ch",
  overflow: "hidden",
  textOverflow: "ellipsis",
  whiteSpace: "nowrap",
  verticalAlign: "bottom",
} as const;

/**
 * A value (run ID, request ID) in monospace with a button that copies it. `truncate` cuts it short
 * for tables and narrow screens, where a 30-character ID wrapped over four lines made rows ~117 px
 * tall.
 */
export function CopyText({
  value,
  label,
  size = "sm",
  truncate = false,
}: {
  value: string;
  label: string;
  size?: "xs" | "sm";
  truncate?: boolean;
}) {
  return (
    <Group gap={4} wrap="nowrap" display="inline-flex">
      <Text
        component="span"
        ff="monospace"
        size={size}
        title={truncate ? value : undefined}
        data-truncated-id={truncate ? "" : undefined}
        style={truncate ? TRUNCATED_ID_STYLE : { wordBreak: "break-all" }}
      >
        {value}
      </Text>
      <CopyIconButton value={value} label={label} />
    </Group>
  );
}
