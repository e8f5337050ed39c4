// The workspace `npm start` serves: the demo fintech in examples/demo. Point AIRLOCK_CONFIG at
// your own file to serve your actions instead.
export { default } from "./examples/demo/workspace.ts";
