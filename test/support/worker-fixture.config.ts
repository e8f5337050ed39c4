export { workerWorkspace as default } from "./worker-fixture.ts";
