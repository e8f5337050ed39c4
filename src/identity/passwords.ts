// Password hashing: argon2id (OWASP ASVS 5: memory-hard, per-hash salt), via @node-rs/argon2.
import { hash, verify } from "@node-rs/argon2";

// OWASP's argon2id baseline: m = 19 MiB, t = 2, p = 1.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    // Same work for unknown users and users without a password, so timing tells nothing.
    await hash(password, OPTIONS);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
