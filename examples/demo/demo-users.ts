// The demo's Airlock users (password `demo`, set by Airlock in demo mode). Every group that
// approves has at least two members, so a request can always be approved by someone other than
// its requester. The seed also uses these emails as the staff who reviewed past fraud flags,
// issued credits and cleared delinquencies.
import type { DemoUser } from "../../src/sdk/index.ts";

export const DEMO_USERS: DemoUser[] = [
  { email: "sam.support@airlock.demo", name: "Sam Support", groups: ["support"] },
  { email: "sally.support@airlock.demo", name: "Sally Support", groups: ["support"] },
  { email: "maya.manager@airlock.demo", name: "Maya Manager", groups: ["support-managers"] },
  { email: "mark.manager@airlock.demo", name: "Mark Manager", groups: ["support-managers"] },
  { email: "rita.risk@airlock.demo", name: "Rita Risk", groups: ["risk"] },
  { email: "raj.risk@airlock.demo", name: "Raj Risk", groups: ["risk"] },
  { email: "omar.ops@airlock.demo", name: "Omar Ops", groups: ["ops"] },
  { email: "olga.ops@airlock.demo", name: "Olga Ops", groups: ["ops"] },
  { email: "cora.compliance@airlock.demo", name: "Cora Compliance", groups: ["compliance"] },
  { email: "colin.compliance@airlock.demo", name: "Colin Compliance", groups: ["compliance"] },
  { email: "ada.admin@airlock.demo", name: "Ada Admin", groups: ["admins"] },
  // A second admin: sensitive access and policy changes need one admin to ask and another to
  // approve (docs/governance.md); with a single admin they would apply directly.
  { email: "alan.admin@airlock.demo", name: "Alan Admin", groups: ["admins"] },
];

export const membersOf = (group: string): string[] =>
  DEMO_USERS.filter((user) => user.groups.includes(group)).map((user) => user.email);
