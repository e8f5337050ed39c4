import { Textarea } from "@mantine/core";

/** The reason a reveal asks for (one field or a whole run): required, focused when the dialog opens. */
export function RevealReason(props: {
  description: string;
  value: string;
  error: string | null;
  onChange: (value: string) => void;
}) {
  return (
    <Textarea
      label="Reason"
      description={props.description}
      withAsterisk
      aria-required
      autosize
      minRows={2}
      value={props.value}
      error={props.error}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      data-autofocus
    />
  );
}
