// The form generator's logic without a browser: JSON Schema (from zod, with Airlock's .meta()) to
// fields, the schema's checks as messages, typed parameters, money in minor units, server issues
// mapped to fields, CSV cells neutralized, PII paths of an output schema.
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import "../../src/sdk/field-meta.ts";
import { filterActions } from "../../src/web/catalog/filter.ts";
import {
  displayValue,
  fieldsOf,
  initialValues,
  issuesByField,
  toParams,
  validateAll,
  validateField,
} from "../../src/web/form/field-model.ts";
import type { JsonSchema } from "../../src/web/form/json-schema.ts";
import { formatMoney, minorToInput, parseMoney } from "../../src/web/form/money.ts";
import { neutralize, toCsv } from "../../src/web/result/csv.ts";
import { formatField, labelOf, piiClassAt, piiPathsOf } from "../../src/web/result/result-shape.ts";
import { diffSnapshots } from "../../src/web/runs/diff.ts";

const schema = z.toJSONSchema(
  z
    .object({
      accountId: z
        .string()
        .regex(/^acc_\d+$/)
        .meta({ label: "Account", widget: "lookup", lookup: "find_accounts" }),
      amountCents: z.number().int().positive().max(1_000_000).meta({ label: "Amount", widget: "money" }),
      note: z.string().min(5).max(500).optional(),
      plan: z.enum(["starter", "business"]),
      notify: z.boolean().default(true),
      until: z.iso.date(),
      at: z.iso.datetime().optional(),
      seats: z.number().int().min(1).max(10).default(2),
      ssn: z.string().optional().meta({ pii: "ssn" }),
      limit: z.number().min(1).nullable(),
    })
    .strict(),
  { io: "input" },
) as JsonSchema;

test("fields: widgets, labels, required, defaults and PII from the schema", () => {
  const fields = fieldsOf(schema);
  const by = Object.fromEntries(fields.map((f) => [f.name, f]));
  assert.deepEqual(
    fields.map((f) => [f.name, f.widget, f.required]),
    [
      ["accountId", "lookup", true],
      ["amountCents", "money", true],
      ["note", "textarea", false],
      ["plan", "select", true],
      ["notify", "boolean", false],
      ["until", "date", true],
      ["at", "datetime", false],
      ["seats", "number", false],
      ["ssn", "text", false],
      ["limit", "number", true],
    ],
  );
  assert.equal(by.accountId!.label, "Account");
  assert.equal(by.note!.label, "Note");
  assert.equal(by.amountCents!.label, "Amount");
  assert.equal(by.ssn!.pii, "ssn");
  assert.equal(by.limit!.nullable, true);
  assert.deepEqual(initialValues(fields).notify, true);
  assert.deepEqual(initialValues(fields).seats, "2");
});

test("the schema's checks, in words, before anything is sent", () => {
  const by = Object.fromEntries(fieldsOf(schema).map((f) => [f.name, f]));
  assert.equal(validateField(by.accountId!, ""), "Choose an option");
  assert.equal(validateField(by.accountId!, "acc_x"), "Not in the expected format");
  assert.equal(validateField(by.amountCents!, "0"), "Must be more than $0.00");
  assert.equal(validateField(by.amountCents!, "10000.01"), "Must be at most $10,000.00");
  assert.equal(validateField(by.amountCents!, "1.005"), "Use at most 2 decimal places");
  assert.equal(validateField(by.amountCents!, "abc"), "Enter an amount, like $250.00");
  assert.equal(validateField(by.note!, "hey"), "Enter at least 5 characters");
  assert.equal(validateField(by.note!, ""), null, "optional");
  assert.equal(validateField(by.seats!, "2.5"), "Enter a whole number");
  assert.equal(validateField(by.seats!, "11"), "Must be at most 10");
  assert.equal(validateField(by.plan!, "gold"), "Choose one of the options");
  assert.equal(validateField(by.until!, "2031-02-30x"), "Enter a date (YYYY-MM-DD)");
  assert.equal(validateField(by.limit!, ""), null, "nullable: empty means null");
});

test("typed parameters: numbers, minor units, booleans, ISO times; empty optionals left out", () => {
  const fields = fieldsOf(schema);
  const values = {
    ...initialValues(fields),
    accountId: "acc_12",
    amountCents: "$1,250.50",
    plan: "business",
    until: "2031-03-15",
    at: "2031-03-15T09:30",
    seats: "7",
    limit: "",
  };
  assert.deepEqual(validateAll(fields, values), {});
  const params = toParams(fields, values);
  assert.equal(params.amountCents, 125_050);
  assert.equal(params.seats, 7);
  assert.equal(params.notify, true);
  assert.equal(params.limit, null);
  assert.equal("note" in params, false);
  assert.equal(params.at, new Date("2031-03-15T09:30").toISOString());
  const parsed = z
    .object({
      amountCents: z.number().int(),
      seats: z.number().int(),
      until: z.iso.date(),
      at: z.iso.datetime(),
    })
    .safeParse(params);
  assert.ok(parsed.success, "the server's schema accepts what the form sends");
  assert.equal(displayValue(fieldsOf(schema)[1]!, "1250.5"), "$1,250.50");
});

test("money: text ↔ minor units without floating-point drift, per currency", () => {
  assert.deepEqual(parseMoney("0.29", "USD"), { ok: true, minor: 29 });
  assert.deepEqual(parseMoney("$ 1,000,000.1", "USD"), { ok: true, minor: 100_000_010 });
  assert.deepEqual(parseMoney("-3.5", "EUR"), { ok: true, minor: -350 });
  assert.deepEqual(parseMoney("1500", "JPY"), { ok: true, minor: 1500 });
  assert.equal(parseMoney("1.5", "JPY").ok, false);
  assert.equal(formatMoney(25_000, "USD"), "$250.00");
  assert.equal(minorToInput(5, "USD"), "0.05");
  assert.equal(minorToInput(-12_345, "USD"), "-123.45");
});

test("server issues land on their field; the reason and the rest are told apart", () => {
  const fields = fieldsOf(schema);
  const mapped = issuesByField(fields, [
    { path: ["amountCents"], code: "too_big", message: "Too big" },
    { path: ["params", "note"], code: "too_small", message: "Too short" },
    { path: ["reason"], code: "reason_required", message: "Needs a reason" },
    { path: [], code: "custom", message: "Accounts on hold cannot be credited" },
  ]);
  assert.deepEqual(mapped.fields, { amountCents: "Too big", note: "Too short" });
  assert.equal(mapped.reason, "Needs a reason");
  assert.deepEqual(mapped.other, ["Accounts on hold cannot be credited"]);
});

test("CSV: formula-looking text is neutralized, numbers are not, quoting is RFC 4180", () => {
  for (const danger of ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
    assert.equal(neutralize(danger), `'${danger}`);
  assert.equal(neutralize("plain"), "plain");
  const csv = toCsv(
    ["name", "amount", "note"],
    [
      { name: '=HYPERLINK("http://evil")', amount: -12.5, note: "a,b" },
      { name: "Ann", amount: 3, note: null },
    ],
  );
  assert.equal(csv, 'name,amount,note\r\n"\'=HYPERLINK(""http://evil"")",-12.5,"a,b"\r\nAnn,3,\r\n');
});

test("results: PII paths from the output schema, money by name, before/after rows", () => {
  const output = z.toJSONSchema(
    z.object({
      card: z.string().meta({ pii: "card_number" }),
      rows: z.array(z.object({ email: z.string().meta({ pii: "email" }), n: z.number() })),
    }),
  ) as JsonSchema;
  const paths = piiPathsOf(output);
  assert.equal(piiClassAt(paths, ["card"]), "card_number");
  assert.equal(piiClassAt(paths, ["rows", 3, "email"]), "email");
  assert.equal(piiClassAt(paths, ["rows", 3, "n"]), null);
  assert.equal(labelOf("balanceCents"), "Balance");
  assert.equal(labelOf("amount_cents"), "Amount");
  assert.equal(labelOf("accountId"), "Account ID");
  assert.equal(formatField("balanceCents", 150_000), "$1,500.00");
  assert.equal(formatField("count", 150_000), "150,000");
  assert.deepEqual(
    diffSnapshots({ balance: 1, plan: "a", gone: true }, { balance: 2, plan: "a", added: 1 }).map((r) => [
      r.path,
      r.change,
    ]),
    [
      ["balance", "changed"],
      ["plan", "same"],
      ["gone", "removed"],
      ["added", "added"],
    ],
  );
});

test("catalog search: every word must match name, title, tag or description", () => {
  const action = (name: string, title: string, tags: string[], description = "") =>
    ({ name, title, tags, description }) as Parameters<typeof filterActions>[0][number];
  const all = [
    action("issue_credit", "Issue a credit", ["billing"]),
    action("refund", "Refund", ["payments"], "Refund a card payment"),
  ];
  assert.deepEqual(
    filterActions(all, "card refund").map((a) => a.name),
    ["refund"],
  );
  assert.deepEqual(
    filterActions(all, "BILLING").map((a) => a.name),
    ["issue_credit"],
  );
  assert.equal(filterActions(all, "  ").length, 2);
});
