// The demo's switches (admins, demo mode only): the stand-ins' outage and slow answers as buttons.
import { z } from "zod";

export const demoSwitch = z.strictObject({
  name: z.string(),
  label: z.string(),
  description: z.string(),
  choices: z.array(z.strictObject({ value: z.string(), label: z.string() })),
  current: z.string(),
});
export type DemoSwitchView = z.output<typeof demoSwitch>;

export const demoSwitchList = z.strictObject({ switches: z.array(demoSwitch) });
export type DemoSwitchList = z.output<typeof demoSwitchList>;

export const demoSwitchBody = z.strictObject({ value: z.string().min(1).max(100) });
