import { Badge, Tooltip } from "@mantine/core";
import { LockIcon } from "../components/icons.tsx";

export function piiLabel(piiClass: string): string {
  return piiClass.replaceAll("_", " ");
}

/** Marks a PII field: masked in results, logs and the audit trail. */
export function SensitiveBadge({ piiClass }: { piiClass: string }) {
  return (
    <Tooltip label="Personal data: masked in results, logs and the audit trail" withArrow>
      <Badge
        size="xs"
        color="grape"
        variant="light"
        radius="sm"
        leftSection={<LockIcon size={10} />}
        ml={6}
        style={{ verticalAlign: "middle" }}
      >
        Sensitive · {piiLabel(piiClass)}
      </Badge>
    </Tooltip>
  );
}
