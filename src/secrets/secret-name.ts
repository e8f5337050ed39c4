// A secret's name: upper-case snake case, like the environment variable it replaces
// (`LEDGER_DB_URL`). The same rule is a CHECK on the table (migrations/0017_secrets.sql).
import { AirlockError } from "../errors/airlock-error.ts";

export const SECRET_NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
export const SECRET_NAME_MAX = 100;

export function isSecretName(name: string): boolean {
  return name.length <= SECRET_NAME_MAX && SECRET_NAME.test(name);
}

/** The name, or `secret.invalid_name` (which repeats the name only when it is short and printable). */
export function requireSecretName(name: string): string {
  if (isSecretName(name)) return name;
  throw new AirlockError("secret.invalid_name", undefined, {
    name: /^[\x20-\x7e]{1,100}$/.test(name) ? name : `(${name.length} characters)`,
  });
}

/** The associated data of a secret's envelope: bound to its name and version. */
export function secretContext(name: string, version: number): string {
  return `airlock.secrets:${name}:${version}`;
}
