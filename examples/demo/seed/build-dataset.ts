// Builds the whole demo dataset in memory from one fixed PRNG seed: the same rows, ids and
// amounts on every machine and run. The order of the steps is part of that: each draws from the
// same random stream.
import { type AccountRow, type Dataset, emptyDataset } from "./dataset.ts";
import type { Reserved } from "./fixture-builder.ts";
import { addFixtures } from "./fixture-rows.ts";
import { generateCustomers } from "./generate-customers.ts";
import { balanceAccounts, generateCreditsAndTransfers, generateDepositsAndBills } from "./generate-money.ts";
import { generatePayments } from "./generate-payments.ts";
import { generateTransactions } from "./generate-transactions.ts";
import { createLedger } from "./ledger.ts";
import { addMerchants } from "./merchants.ts";
import { createRandom } from "./random.ts";

/** Change either and the data changes: bump SEED_VERSION whenever the generated data does. */
export const PRNG_SEED = 20_261_101;
export const SEED_VERSION = 1;

export function buildDataset(): Dataset {
  const data = emptyDataset();
  const ledger = createLedger(data);
  const random = createRandom(PRNG_SEED);
  const reserved: Reserved = { emails: new Set(), pans: new Set() };
  addMerchants(data);
  addFixtures(data, ledger, reserved);
  const population = generateCustomers(data, random, reserved);
  const accountsById = new Map<string, AccountRow>(data.accounts.map((a) => [a.id, a]));
  generateDepositsAndBills(data, ledger, random, population);
  generateTransactions(data, ledger, random, population, accountsById);
  generatePayments(data, ledger, random, population);
  generateCreditsAndTransfers(data, ledger, random, population);
  balanceAccounts(ledger, random, population);
  return data;
}
