// Reads a JSON request body with the checks every write endpoint needs: the content type, a size
// limit (counted while streaming, so a lying Content-Length does not help), and valid JSON.
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { AirlockError } from "../errors/airlock-error.ts";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextIssues } from "../store/storable-text.ts";
import type { AppEnv } from "./app-env.ts";

export const DEFAULT_BODY_LIMIT = 256 * 1024;

export async function readJson(c: Context<AppEnv>, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit)
    throw new AirlockError("request.too_large", `The request body is larger than ${limit} bytes.`);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const body = incoming && !incoming.readableDidRead ? fromNode(c, incoming) : fromWeb(c.req.raw);
  if (!body) {
    if (type === "" || /^application\/json\b/i.test(type)) return undefined;
    throw new AirlockError("request.unsupported_media_type");
  }
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new AirlockError("request.unsupported_media_type");
  const chunks = await body(limit);
  if (chunks === "too_large") {
    // The rest of the body is not read: the connection closes after this answer.
    c.header("Connection", "close");
    throw new AirlockError("request.too_large", `The request body is larger than ${limit} bytes.`);
  }
  const size = chunks.reduce((n, chunk) => n + chunk.byteLength, 0);
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
  // Refused here, for every route, before any handler can carry the text to the database.
  const issues = unstorableTextIssues(value);
  if (issues.length > 0) throw new AirlockError("request.invalid_text", UNSTORABLE_TEXT_MESSAGE, { issues });
  return value;
}

type BodyReader = (limit: number) => Promise<Uint8Array[] | "too_large">;

/**
 * The body straight from Node's request stream. Going through the fetch Request that
 * @hono/node-server builds on demand (a web ReadableStream over the Node stream) cost about 15% of
 * a governed action's server CPU.
 */
function fromNode(c: Context<AppEnv>, incoming: IncomingMessage): BodyReader | null {
  const method = c.req.method;
  if (method === "GET" || method === "HEAD") return null;
  if (
    incoming.headers["transfer-encoding"] === undefined &&
    Number(incoming.headers["content-length"] ?? "0") === 0
  )
    return null;
  return (limit) =>
    new Promise((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const done = () => {
        incoming.off("data", onData);
        incoming.off("end", onEnd);
        incoming.off("error", onError);
        incoming.off("close", onClose);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > limit) {
          done();
          incoming.pause();
          resolve("too_large");
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        done();
        resolve(chunks);
      };
      const onError = (error: Error) => {
        done();
        reject(error);
      };
      const onClose = () => {
        done();
        reject(new Error("the client closed the connection before sending the whole body"));
      };
      incoming.on("data", onData);
      incoming.on("end", onEnd);
      incoming.on("error", onError);
      incoming.on("close", onClose);
    });
}

/** The body through the fetch API (requests that did not come from a Node server). */
function fromWeb(raw: Request): BodyReader | null {
  const stream = raw.body;
  if (!stream) return null;
  return async (limit) => {
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return "too_large";
      }
      chunks.push(value);
    }
  };
}
