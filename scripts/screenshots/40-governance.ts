// Governance: a policy switch held for a second admin, as that admin's inbox shows it; the
// break-glass banner while Omar holds the emergency role; issue_credit's versions, what changed
// from the one deployed in September (the demo's history); and an access review as its reviewer
// sees it. Ada (admin) starts a review of the support
// desk naming Maya Manager as its reviewer; Maya keeps Sam with a reason, so the picture shows a
// decided member beside one still to decide, each with their grants' last use from the audit trail.
import type { Shot } from "./shot.ts";

const ADA = "ada.admin@airlock.demo";
const MAYA = "maya.manager@airlock.demo";
const ALAN = "alan.admin@airlock.demo";
const OMAR = "omar.ops@airlock.demo";
const SAM = "sam.support@airlock.demo";

export const shots: Shot[] = [
  {
    // Left pending: nothing changes for the shots after this one.
    title: "Ada's switch of a policy to monitor mode, held in Alan's inbox",
    async take({ signedIn, save }) {
      const ada = await signedIn(ADA, "/admin/policies");
      await ada.getByRole("button", { name: "Switch to monitor" }).first().click();
      const dialog = ada.getByRole("dialog", { name: /Switch the policy .* to monitor/ });
      await dialog.getByRole("textbox", { name: "Reason" }).fill("Measure a week before enforcing");
      await dialog.getByRole("button", { name: "Switch to monitor" }).click();
      await dialog.getByText("Held for a second admin").waitFor({ timeout: 30_000 });
      await ada.context().close();

      const alan = await signedIn(ALAN, "/approvals");
      const held = alan.locator("[data-change-requests]");
      await held.getByText("“Measure a week before enforcing”").waitFor({ timeout: 30_000 });
      await save(alan, "change-request-inbox", "[data-change-requests]");
      await alan.context().close();
    },
  },
  {
    // Taken over the API, as in an incident (`airlock break-glass take`); ended after the shot, so
    // it waits in the admins' post-review queue and changes nothing for the shots after this one.
    title: "Omar takes the emergency role: every page says so",
    async take({ signedIn, save }) {
      const omar = await signedIn(OMAR, "/");
      const elevation = await omar.evaluate(async () => {
        const session = (await (await fetch("/api/v1/session")).json()) as { me: { csrfToken: string } };
        const headers = {
          "content-type": "application/json",
          "x-airlock-client": "web",
          "x-csrf-token": session.me.csrfToken,
        };
        const taken = await fetch("/api/v1/break-glass", {
          method: "POST",
          headers,
          body: JSON.stringify({
            role: "incident-responder",
            reason: "INC-42: card payments captured twice, credits needed now",
            minutes: 30,
          }),
        });
        if (taken.status !== 201) throw new Error(`break-glass: ${taken.status} ${await taken.text()}`);
        return { id: ((await taken.json()) as { id: string }).id, headers };
      });
      await omar.reload();
      await omar.locator("[data-break-glass]").waitFor({ timeout: 30_000 });
      // The catalog now offers the support desk's actions the emergency role grants.
      await omar.getByText("Issue a goodwill credit").first().waitFor({ timeout: 30_000 });
      await save(omar, "break-glass-banner");
      await omar.evaluate(async ({ id, headers }) => {
        const ended = await fetch(`/api/v1/break-glass/${id}/end`, { method: "POST", headers });
        if (ended.status !== 200) throw new Error(`end: ${ended.status}`);
      }, elevation);
      await omar.context().close();
    },
  },
  {
    title: "issue_credit's versions: what changed from the one deployed in September",
    async take({ signedIn, save }) {
      const sam = await signedIn(SAM, "/actions/issue_credit");
      const panel = sam.locator("[data-action-versions]");
      await panel.locator("[data-version]").nth(1).waitFor({ timeout: 30_000 });
      await panel
        .locator("[data-version-change='params.properties.amountCents.maximum']")
        .waitFor({ timeout: 30_000 });
      await save(sam, "action-versions", "[data-action-versions]");
      await sam.context().close();
    },
  },
  {
    title: "An access review of the support desk, as its reviewer decides it",
    async take({ signedIn, save }) {
      const ada = await signedIn(ADA, "/admin/reviews");
      await ada.getByRole("combobox", { name: "Groups to review" }).click();
      await ada.getByRole("option", { name: "support", exact: true }).click();
      await ada.keyboard.press("Escape");
      await ada.getByLabel("Reviewer (the group's owner)").first().click();
      await ada.getByRole("option", { name: /^Maya Manager/ }).click();
      await ada.getByRole("button", { name: "Start review" }).click();
      await ada.locator("[data-access-review]").first().waitFor({ timeout: 30_000 });
      await ada.context().close();

      const maya = await signedIn(MAYA, "/admin/reviews");
      const review = maya.locator("[data-access-review]").first();
      await review.waitFor({ timeout: 30_000 });
      const sam = review.locator("tr", { hasText: "Sam Support" });
      await sam.getByRole("textbox", { name: "Reason for Sam Support" }).fill("Still on the support desk");
      await sam.getByRole("button", { name: "Keep" }).click();
      await sam.getByText("keep", { exact: true }).waitFor({ timeout: 30_000 });
      await save(maya, "access-review", "[data-access-review]");
      await maya.context().close();
    },
  },
];
