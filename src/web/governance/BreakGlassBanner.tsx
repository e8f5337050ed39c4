// While the signed-in person holds an emergency role (break-glass), every page says so: which
// role, until when, and that it is audited, reviewed afterwards and allows no approving.
import { Alert, Text } from "@mantine/core";
import { useMe } from "../api/session.ts";
import { Time } from "../components/Time.tsx";

export function BreakGlassBanner() {
  const me = useMe();
  const elevation = me.data?.breakGlass;
  if (!elevation) return null;
  return (
    <Alert color="red" variant="filled" role="status" mb="md" title="Break-glass in force" data-break-glass>
      {/* Two lines: the relative time ("in 30 min.") ends with its own period. */}
      <Text size="sm" inherit>
        You hold the emergency role “{elevation.role}”; it ends <Time value={elevation.endsAt} />
      </Text>
      <Text size="sm" inherit>
        Everything you do is audited and reviewed by a second person afterwards; you cannot approve anything
        meanwhile.
      </Text>
    </Alert>
  );
}
