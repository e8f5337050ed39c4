import { CATALOGUE, type ErrorCode } from "./catalogue.ts";

/** One issue of a failed validation, in zod's shape. */
export interface Issue {
  path: (string | number)[];
  code: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    requestId: string;
    details?: Record<string, unknown>;
  };
}

/**
 * The one error type for expected refusals. It carries a catalogued code, the HTTP status of that
 * code, a message that is safe to show to the person who made the request, and optional details.
 * Stages return these as values (a `Refusal`); code that cannot return one throws it and the HTTP
 * layer turns it into the envelope.
 */
export class AirlockError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? CATALOGUE[code].message);
    this.name = "AirlockError";
    this.code = code;
    this.status = CATALOGUE[code].status;
    this.details = details;
  }

  /** A domain refusal raised by an action handler, e.g. `domain.insufficient_funds`. */
  static domain(code: string, message: string, details?: Record<string, unknown>): AirlockError {
    const error = new AirlockError("domain.refused", message, details);
    (error as { code: string }).code = `domain.${code}`;
    return error;
  }

  toBody(requestId: string): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        requestId,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export function isAirlockError(value: unknown): value is AirlockError {
  return value instanceof AirlockError;
}
