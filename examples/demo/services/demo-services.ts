// Demo mode's stand-ins for the systems the demo's resources reach: the core ledger database and
// the payments provider. Their secrets are made here, fresh on every start.
import { randomBytes } from "node:crypto";
import type { DemoServices, DemoServicesContext } from "../../../src/sdk/index.ts";
import { prepareCoreLedger } from "./core-ledger.ts";
import { startPaymentsProvider } from "./payments-provider.ts";

export async function startDemoServices(context: DemoServicesContext): Promise<DemoServices> {
  const ledgerUrl = await prepareCoreLedger(context.databaseUrl);
  const apiKey = `sk_demo_${randomBytes(16).toString("hex")}`;
  const provider = await startPaymentsProvider({ apiKey, onLog: (line) => context.log(line) });
  return {
    secrets: { CORE_LEDGER_URL: ledgerUrl, PAYMENTS_API_URL: provider.url, PAYMENTS_API_KEY: apiKey },
    // The stand-in listens on 127.0.0.1, which the SSRF guard refuses unless marked internal.
    internalResources: ["payments"],
    notes: [
      `Payments provider stand-in: ${provider.url} (its log lines start with "payments-provider")`,
      `  outage switch: curl -X POST '${provider.url}/demo/outage?on=1'   (on=0 ends it)`,
      `  slow answers:  curl -X POST '${provider.url}/demo/slow?ms=15000'   (ms=0 ends it)`,
    ],
    // The same two switches as buttons for admins (the Demo systems page).
    switches: [
      {
        name: "payments_outage",
        label: "Payments provider: outage",
        description: "During an outage every call to the provider answers 503 (downstream.unavailable).",
        choices: [
          { value: "off", label: "Working" },
          { value: "on", label: "Outage (503)" },
        ],
        current: () => (provider.state().outage ? "on" : "off"),
        set: (value) => provider.setOutage(value === "on"),
      },
      {
        name: "payments_slow",
        label: "Payments provider: slow answers",
        description:
          "A slow provider makes the refund, then answers late: past the resource's 5 s timeout the run's outcome is unknown.",
        choices: [
          { value: "0", label: "Normal" },
          { value: "3000", label: "3 s late" },
          { value: "15000", label: "15 s late" },
        ],
        current: () => String(provider.state().delayMs),
        set: (value) => provider.setDelay(Number(value)),
      },
    ],
    stop: () => provider.stop(),
  };
}
