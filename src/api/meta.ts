// The API describing itself: /api/v1/openapi.json.
import { z } from "zod";

export const openApiDocument = z
  .looseObject({
    openapi: z.string(),
    info: z.record(z.string(), z.unknown()),
    paths: z.record(z.string(), z.unknown()),
  })
  .describe("An OpenAPI 3.1 document");
