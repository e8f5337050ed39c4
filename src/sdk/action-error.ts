const CODE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/**
 * A business-rule refusal raised by a handler: "refund above the paid amount", "insufficient
 * funds". The run fails with the code `domain.<code>`, the message is shown to the user, and the
 * handler's database writes are rolled back.
 *
 * @example
 * if (balance < p.amountCents) throw new ActionError("insufficient_funds", "The account has $12.00 available.");
 */
export class ActionError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    if (!CODE.test(code))
      throw new TypeError(`ActionError code must be snake_case words separated by dots: ${code}`);
    this.name = "ActionError";
    this.code = code;
    this.details = details;
  }
}
