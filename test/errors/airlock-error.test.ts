// An action's own refusal travels as `domain.<code>` with the status of `domain.refused`, and a
// catalogued code keeps its catalogued status and default message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AirlockError } from "../../src/errors/airlock-error.ts";

test("a domain refusal carries the action's code and message with the domain status", () => {
  const error = AirlockError.domain("insufficient_funds", "The account has 12.00 available.", {
    available: 1200,
  });
  assert.equal(error.code, "domain.insufficient_funds");
  assert.equal(error.status, 422);
  assert.deepEqual(error.toBody("req_1"), {
    error: {
      code: "domain.insufficient_funds",
      message: "The account has 12.00 available.",
      requestId: "req_1",
      details: { available: 1200 },
    },
  });
});

test("a catalogued code has its catalogued status and default message", () => {
  const error = new AirlockError("permission.denied");
  assert.equal(error.code, "permission.denied");
  assert.equal(error.status, 403);
  assert.equal(error.message, "You do not have permission to do this.");
});
