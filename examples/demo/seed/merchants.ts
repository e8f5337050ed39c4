// The merchants: the fixed list from word-lists.ts plus the fixtures' coffee shop. No randomness,
// so merchant ids are readable and stable (`mer_northwind_grocers`).
import { MERCHANT_COFFEE } from "../fixtures.ts";
import { type Dataset, iso } from "./dataset.ts";
import { MERCHANTS, type MerchantSeed } from "./word-lists.ts";

export const COFFEE: MerchantSeed = {
  slug: "demo_coffee",
  name: "Bean There Coffee Roasters",
  mcc: "5814",
  category: "Coffee",
  country: "US",
  risk: "low",
  min: 3,
  max: 60,
  weight: 0,
  online: false,
};

const ids = new Map<MerchantSeed, string>();
/** `mer_<slug>`, made once per merchant (it is asked for 100,000 times). */
export function merchantId(merchant: MerchantSeed): string {
  let id = ids.get(merchant);
  if (id === undefined) {
    id = `mer_${merchant.slug}`;
    ids.set(merchant, id);
  }
  return id;
}

export function addMerchants(data: Dataset) {
  for (const [index, merchant] of [COFFEE, ...MERCHANTS].entries()) {
    data.merchants.push({
      id: merchantId(merchant),
      name: merchant.name,
      mcc: merchant.mcc,
      category: merchant.category,
      country: merchant.country,
      risk_level: merchant.risk,
      created_at: iso(Date.UTC(2023, 0, 1 + index * 7)),
    });
  }
  if (data.merchants[0]!.id !== MERCHANT_COFFEE) throw new Error("seed bug: coffee merchant id");
}
