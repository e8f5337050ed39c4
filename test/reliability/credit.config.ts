export { creditWorkspace as default } from "./credit-workspace.ts";
