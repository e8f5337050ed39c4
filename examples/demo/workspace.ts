import { defineWorkspace } from "../../src/sdk/index.ts";

export default defineWorkspace({
  name: "demo",
  actions: [],
});
