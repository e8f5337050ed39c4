// Reads a JSON request body with the checks every write endpoint needs: the content type, a size
// limit (counted while streaming, so a lying Content-Length does not help), and valid JSON.
import type { Context } from "hono";
import { AirlockError } from "../errors/airlock-error.ts";
import { nulIssues } from "../store/storable-text.ts";
import type { AppEnv } from "./app-env.ts";

export const DEFAULT_BODY_LIMIT = 256 * 1024;

export async function readJson(c: Context<AppEnv>, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  const raw = c.req.raw;
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit)
    throw new AirlockError("request.too_large", `The request body is larger than ${limit} bytes.`);
  if (!raw.body) {
    if (type === "" || /^application\/json\b/i.test(type)) return undefined;
    throw new AirlockError("request.unsupported_media_type");
  }
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new AirlockError("request.unsupported_media_type");
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new AirlockError("request.too_large", `The request body is larger than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AirlockError("request.malformed_json", "The request body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AirlockError("request.malformed_json");
  }
  const issues = nulIssues(value);
  if (issues.length > 0)
    throw new AirlockError("validation.failed", "Some values contain characters that cannot be stored.", {
      issues,
    });
  return value;
}
