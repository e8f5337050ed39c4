import { CATALOGUE, type ErrorCode, isCatalogued } from "./catalogue.ts";

/**
 * A refusal raised by an action handler (`ActionError`): the action names the code, so these are
 * not in the catalogue; they all answer with the status of `domain.refused`.
 */
export type DomainErrorCode = `domain.${string}`;

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
  readonly code: ErrorCode | DomainErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode | DomainErrorCode, message?: string, details?: Record<string, unknown>) {
    const entry = CATALOGUE[isCatalogued(code) ? code : "domain.refused"];
    super(message ?? entry.message);
    this.name = "AirlockError";
    this.code = code;
    this.status = entry.status;
    this.details = details;
  }

  /** A domain refusal raised by an action handler, e.g. `domain.insufficient_funds`. */
  static domain(code: string, message: string, details?: Record<string, unknown>): AirlockError {
    return new AirlockError(`domain.${code}`, message, details);
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
