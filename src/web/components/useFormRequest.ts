// The state of the one request a form or dialog sends: busy while it is under way (its button
// shows it), and the error it ended with, shown until the next try.
import { useState } from "react";

export function useFormRequest() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** Sends the form's request: busy meanwhile, the error it throws kept for the form to show. */
  async function send(work: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, send };
}
