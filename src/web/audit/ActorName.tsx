import { Text } from "@mantine/core";

/** A person by name, their ID on hover (and for screen readers after the name). */
export function ActorName({ id, name }: { id: string | null; name: string | null | undefined }) {
  if (!id) return <>—</>;
  if (!name)
    return (
      <Text span size="sm" ff="monospace">
        {id}
      </Text>
    );
  return (
    <Text span size="sm" title={id} data-actor-id={id}>
      {name}
    </Text>
  );
}
