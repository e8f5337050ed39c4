/** A step ended the runbook: an action failed or was refused, an answer expired, a definition mistake. */
export class StepFailure extends Error {
  readonly code: string;
  readonly step: string | null;
  constructor(code: string, message: string, step: string | null) {
    super(message);
    this.name = "StepFailure";
    this.code = code;
    this.step = step;
  }
}
