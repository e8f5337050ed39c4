import { Badge, Button, Group, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { LockIcon } from "../components/icons.tsx";
import { useCurrency } from "./currency-context.ts";
import { RevealDialog } from "./RevealDialog.tsx";
import { formatField, formatScalar, type Path, piiClassAt } from "./result-shape.ts";
import { useRevealScope } from "./reveal-context.ts";

/** One value of a result: plain, or masked with a "Reveal" for those allowed. */
export function ValueCell({ value, path, label }: { value: unknown; path: Path; label: string }) {
  const scope = useRevealScope();
  const currency = useCurrency();
  const [open, dialog] = useDisclosure(false);
  const piiClass = piiClassAt(scope.piiPaths, path);
  if (!piiClass || value === null || value === undefined) {
    const key = [...path].reverse().find((p): p is string => typeof p === "string");
    const text = formatField(key, value, currency);
    return typeof value === "object" && value !== null ? (
      <Text span ff="monospace" size="xs">
        {text}
      </Text>
    ) : (
      text
    );
  }
  const allowed = scope.runId !== null && scope.canReveal(piiClass);
  return (
    <Group gap={6} wrap="nowrap" display="inline-flex">
      <Text span ff="monospace" size="sm" data-masked-value={path.join(".")}>
        {formatScalar(value)}
      </Text>
      <Badge size="xs" color="grape" variant="light" radius="sm" leftSection={<LockIcon size={10} />}>
        Masked
      </Badge>
      {allowed && (
        <>
          <Button size="compact-xs" variant="subtle" onClick={dialog.open} aria-label={`Reveal ${label}`}>
            Reveal
          </Button>
          <RevealDialog
            opened={open}
            onClose={dialog.close}
            runId={scope.runId!}
            path={[scope.section, ...path]}
            piiClass={piiClass}
            label={label}
          />
        </>
      )}
    </Group>
  );
}
