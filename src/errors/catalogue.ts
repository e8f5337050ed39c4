// Every error code a client can see, with its HTTP status and a safe default message. Codes are
// permanent once shipped: test/errors/catalogue.test.ts snapshots this list so that a rename or a
// removal is a visible decision. Domain codes raised by action handlers (ActionError) are not
// listed here; they travel as `domain.<code>`.
export const CATALOGUE = {
  // request shape
  "request.malformed_json": { status: 400, message: "The request body is not valid JSON." },
  "request.unsupported_media_type": { status: 415, message: "Send the body as application/json." },
  "request.too_large": { status: 413, message: "The request body is too large." },
  "request.invalid_query": { status: 400, message: "The query parameters are not valid." },
  "request.invalid_text": {
    status: 400,
    message: "The request contains text that cannot be stored (a NUL character or a lone UTF-16 surrogate).",
  },
  "request.not_found": { status: 404, message: "There is nothing at this address." },
  "request.rate_limited": {
    status: 429,
    message: "This action has reached one of its limits; try again after the time in Retry-After.",
  },

  // authentication and sessions
  "auth.required": { status: 401, message: "Sign in or send an API token." },
  "auth.invalid_credentials": { status: 401, message: "The email or password is not correct." },
  "auth.locked": { status: 429, message: "Too many failed sign-ins; try again later." },
  "auth.token_invalid": { status: 401, message: "The API token is not valid, has expired or was revoked." },
  "auth.session_expired": { status: 401, message: "Your session has ended; sign in again." },
  "auth.user_disabled": { status: 403, message: "This user is disabled." },
  "auth.csrf_failed": { status: 403, message: "The request did not carry a valid CSRF token." },
  "auth.oidc_not_configured": { status: 404, message: "Single sign-on is not configured." },
  "auth.oidc_failed": { status: 400, message: "Single sign-on did not complete; start again." },

  // API tokens
  "token.not_found": { status: 404, message: "There is no such API token, or it is not yours." },
  "token.session_required": {
    status: 403,
    message:
      "API tokens are created by a person signed in (web UI: your name's menu → API tokens), not with an API token.",
  },

  // authorization
  "permission.denied": { status: 403, message: "You do not have permission to do this." },

  // actions and runs
  "action.not_found": { status: 404, message: "There is no such action, or you may not see it." },
  "validation.failed": { status: 422, message: "Some parameters are not valid." },
  "idempotency.key_invalid": {
    status: 400,
    message: "The Idempotency-Key header must be 1 to 255 visible characters.",
  },
  "idempotency.mismatch": {
    status: 422,
    message: "This idempotency key was already used with other parameters or another action.",
  },
  "idempotency.in_progress": {
    status: 409,
    message: "A request with this idempotency key is still in progress; retry later.",
  },
  "run.not_found": { status: 404, message: "There is no such run, or you may not see it." },
  "run.timeout": { status: 504, message: "The action did not finish within its time limit." },
  "run.interrupted": {
    status: 500,
    message:
      "The worker running this action stopped mid-run; the outcome is unknown — check before retrying.",
  },
  "run.version_changed": {
    status: 409,
    message:
      "The action changed between the request and its start; nothing was executed. Run it again to use the new version.",
  },
  "run.not_retryable": {
    status: 409,
    message:
      "Only a run whose outcome is unknown, requested with an idempotency key, is retried with its key.",
  },
  "run.invalid_transition": { status: 409, message: "The run is not in a state that allows this." },
  "handler.failed": { status: 500, message: "The action failed while running." },
  "handler.invalid_output": {
    status: 500,
    message: "The action returned a result that does not match its output schema.",
  },

  // approvals
  "approval.not_found": { status: 404, message: "There is no such approval request, or you may not see it." },
  "approval.self_approval": { status: 403, message: "You cannot decide on your own request." },
  "approval.not_reviewer": { status: 403, message: "You are not a reviewer of this request." },
  "approval.already_decided": { status: 409, message: "You have already decided on this request." },
  "approval.not_pending": { status: 409, message: "This request is no longer pending." },
  "approval.expired": { status: 409, message: "This request has expired." },
  "approval.reason_required": { status: 422, message: "A rejection needs a reason." },
  "approval.service_identity": { status: 403, message: "Service identities cannot approve requests." },
  "approval.stale": {
    status: 409,
    message: "The approval no longer holds (parameters, grants or expiry changed); nothing was executed.",
  },
  "approval.not_requester": { status: 403, message: "Only the requester can cancel this request." },
  "approval.not_chosen": {
    status: 403,
    message: "The requester asked other reviewers for this request; you may not decide on it.",
  },
  "approval.reviewer_choice_not_allowed": {
    status: 422,
    message: "This request's approval policy does not let the requester choose reviewers.",
  },
  "approval.reviewer_not_eligible": {
    status: 422,
    message: "A reviewer you picked is not among the people who may review this request.",
  },
  "approval.reviewers_below_quorum": {
    status: 422,
    message: "The reviewers you picked are too few to reach the policy's quorum.",
  },

  // policies
  "policy.not_found": { status: 404, message: "There is no such policy." },
  "policy.draft_invalid": {
    status: 422,
    message: "The policy draft cannot be replayed: see `problems`.",
  },

  // PII
  "pii.not_classified": { status: 422, message: "That field is not classified as PII." },
  "pii.reveal_denied": { status: 403, message: "You may not reveal this kind of data." },
  "pii.reveal_all_denied": {
    status: 403,
    message: "Revealing everything in a run needs a reveal grant for every kind of personal data in it.",
  },
  "pii.reason_required": { status: 422, message: "Revealing data needs a reason." },
  "pii.not_available": { status: 410, message: "This value is no longer available to reveal." },
  "pii.no_master_key": {
    status: 503,
    message:
      "This action keeps PII-classified parameters until it runs, which needs a master key, and this server has none: set AIRLOCK_MASTER_KEY (docs/security.md).",
  },
  "pii.unreadable": {
    status: 500,
    message:
      "A run's stored PII cannot be decrypted with this server's master keys (docs/security.md, rotation).",
  },

  // secrets
  "secret.not_found": { status: 404, message: "There is no such secret." },
  "secret.invalid_name": {
    status: 422,
    message:
      "A secret's name is upper-case letters, digits and single underscores, starting with a letter (LEDGER_DB_URL).",
  },
  "secret.no_master_key": {
    status: 503,
    message:
      "Secrets need a master key, and this server has none: set AIRLOCK_MASTER_KEY (docs/security.md).",
  },
  "secret.unreadable": {
    status: 500,
    message: "A secret cannot be decrypted with this server's master keys (see docs/security.md, rotation).",
  },

  // admin
  "admin.not_found": { status: 404, message: "There is no such object." },
  "admin.conflict": { status: 409, message: "That conflicts with something that already exists." },
  "admin.invalid": { status: 422, message: "The change is not valid." },

  // governance: change requests (four-eyes on access and policy changes)
  "change.not_found": { status: 404, message: "There is no such change request, or you may not see it." },
  "change.conflict": {
    status: 409,
    message: "Another change request on the same thing is pending; decide or cancel it first.",
  },
  "change.not_applied": {
    status: 409,
    message: "This change request has not been approved; there is nothing to collect yet.",
  },
  "change.token_collected": {
    status: 410,
    message: "The token of this change request was already collected; it is shown only once.",
  },
  "change.token_expired": {
    status: 410,
    message: "The time to collect this token has passed; request a new token.",
  },
  "approval.own_access": { status: 403, message: "You cannot approve a change that gives you access." },
  "approval.reviewer_cooldown": {
    status: 403,
    message: "You joined this reviewer group at your own request and cannot approve its requests yet.",
  },
  "admin.bootstrap_refused": {
    status: 409,
    message: "An admin already exists; further admins are added by change request.",
  },
  // governance: no puppets (invitations, passwords chosen by someone else)
  "admin.password_not_allowed": {
    status: 422,
    message:
      "Admins do not choose other people's passwords: the person gets an invitation link to set their own, or signs in by SSO.",
  },
  "invitation.not_found": {
    status: 404,
    message: "This invitation link is not valid (or was replaced by a newer one).",
  },
  "invitation.used": {
    status: 410,
    message: "This invitation link was already used; sign in with your password.",
  },
  "invitation.expired": {
    status: 410,
    message: "This invitation link has expired; ask an admin to send a new one.",
  },
  "invitation.not_needed": {
    status: 409,
    message: "This user already has a password (or is not a person); there is nothing to invite them to.",
  },
  "auth.password_change_required": {
    status: 403,
    message: "Your password was set by someone else: choose your own before you sign in.",
  },
  // governance: access reviews
  "review.not_found": { status: 404, message: "There is no such access review, or you may not see it." },
  "review.not_reviewer": {
    status: 403,
    message: "Only the reviewer named on this access review decides its items and signs it off.",
  },
  "review.own_access": {
    status: 403,
    message:
      "Nobody reviews their own access: an admin decides your item, or the review names another reviewer.",
  },
  "review.closed": {
    status: 409,
    message: "This access review is signed off or cancelled; it changes no more.",
  },
  "review.incomplete": {
    status: 409,
    message: "Decide every member (keep or revoke) before signing the review off.",
  },
  "review.already_open": {
    status: 409,
    message: "An access review of this group is already open; finish or cancel it first.",
  },
  "review.reviewer_invalid": {
    status: 422,
    message: "The reviewer must be an active person (not a service identity).",
  },
  "review.schedule_invalid": {
    status: 422,
    message: "The recurring review's cadence is not valid: a named cadence or a 5-field cron, at most daily.",
  },
  "review.schedule_not_found": { status: 404, message: "There is no such recurring access review." },
  "review.schedule_stalled": {
    status: 409,
    message:
      "The admin in whose name this recurring review starts is disabled; another admin takes it over to restart it.",
  },
  "review.schedule_stopped": {
    status: 409,
    message: "This recurring access review is stopped; set up a new one instead.",
  },
  // governance: break-glass
  "breakglass.reason_required": { status: 422, message: "Say why you need the emergency role (a reason)." },
  "breakglass.too_long": { status: 422, message: "Break-glass lasts at most 4 hours." },
  "breakglass.not_emergency_role": {
    status: 422,
    message: "That role is not an emergency role of this workspace (roles with emergency: true).",
  },
  "breakglass.already_active": { status: 409, message: "You already hold an emergency role; end it first." },
  "breakglass.not_found": {
    status: 404,
    message: "There is no such break-glass elevation, or you may not see it.",
  },
  "breakglass.self_review": {
    status: 403,
    message: "A second person reviews a break-glass elevation: not the person who used it.",
  },
  "breakglass.still_active": {
    status: 409,
    message: "The elevation is still in force; review it once it has ended.",
  },
  "approval.break_glass_active": {
    status: 403,
    message: "You hold an emergency role: you cannot approve anything until it ends.",
  },
  "approval.password_change_required": {
    status: 403,
    message: "Your password was set by someone else; you cannot approve anything until you choose your own.",
  },
  // runbooks
  "runbook.not_found": { status: 404, message: "There is no such runbook, or you may not see it." },
  "runbook.invalid": {
    status: 422,
    message: "The runbook cannot run as defined; details.problems lists why.",
  },
  "runbook.duplicate_step": {
    status: 422,
    message: "Two steps of the runbook have the same name; nothing was started.",
  },
  "runbook.run_not_found": { status: 404, message: "There is no such runbook run, or you may not see it." },
  "runbook.invalid_transition": {
    status: 409,
    message: "The runbook run is not in a state that allows this.",
  },
  "runbook.not_assignee": { status: 403, message: "This step is assigned to someone else." },
  "runbook.step_not_waiting": { status: 409, message: "This step is not waiting for an answer." },
  "runbook.step_failed": { status: 422, message: "A step of the runbook failed." },
  "runbook.input_expired": { status: 410, message: "Nobody answered the step before it expired." },
  // schedules
  "schedule.not_found": { status: 404, message: "There is no such schedule, or you may not see it." },
  "schedule.tick_failed": { status: 500, message: "The schedule's tick did not start a run." },
  "runbook.gate_rejected": { status: 409, message: "A reviewer rejected the runbook's approval gate." },
  "runbook.gate_cancelled": {
    status: 409,
    message: "The runbook's approval gate was withdrawn before it was decided.",
  },
  // bulk actions
  "bulk.not_allowed": { status: 422, message: "This action cannot run in bulk." },
  "bulk.selection_invalid": { status: 400, message: "The selection of items is not valid." },
  "bulk.csv_invalid": { status: 400, message: "The CSV cannot be read; nothing was previewed." },
  "bulk.too_many_items": {
    status: 422,
    message: "The selection has more items than this action allows in one batch (details.maxItems).",
  },
  "bulk.no_items": { status: 422, message: "No item of the selection can run; see the refused items." },
  "bulk.item_set_changed": {
    status: 409,
    message: "The items differ from the preview you saw; preview again before starting.",
  },
  "bulk.not_found": { status: 404, message: "There is no such batch, or you may not see it." },
  "bulk.invalid_transition": { status: 409, message: "The batch is not in a state that allows this." },
  "bulk.nothing_to_retry": { status: 409, message: "The batch has no failed items to retry." },
  "query.not_found": { status: 404, message: "There is no such saved query, or it is not yours." },
  "query.name_taken": { status: 409, message: "You already have a saved query of that name." },
  "query.not_read_only": {
    status: 422,
    message: "Only a read-only SQL action can be a saved query; this action is not (or is no longer) one.",
  },
  "query.did_not_run": {
    status: 422,
    message: "The saved query did not return rows: its run did not succeed (details.runId, details.status).",
  },
  "query.too_many_rows": {
    status: 422,
    message: "The saved query matched more rows than its action returns; narrow its parameters.",
  },

  // domain errors raised by action handlers; the action supplies code suffix and message
  "domain.refused": { status: 422, message: "The action refused the request." },

  // systems an action calls (resources): "the payment provider is down" is not "my request was wrong"
  "downstream.timeout": {
    status: 504,
    message: "A system the action called did not answer in time; check its outcome before retrying.",
  },
  "downstream.unavailable": { status: 503, message: "A system the action called is unavailable right now." },
  "downstream.rejected": { status: 502, message: "A system the action called refused the request." },
  "downstream.blocked": {
    status: 502,
    message: "The action tried to reach an address that is not allowed (internal or reserved network).",
  },
  // Slack (integrations/slack): refusals of requests that claim to come from Slack, and links
  "slack.signature_missing": {
    status: 401,
    message: "The request has no X-Slack-Signature or X-Slack-Request-Timestamp header.",
  },
  "slack.signature_invalid": { status: 401, message: "The Slack signature does not match the request." },
  "slack.timestamp_stale": {
    status: 401,
    message: "The Slack request timestamp is more than 5 minutes from now; it may be a replay.",
  },
  "slack.not_configured": { status: 404, message: "Slack is not configured on this Airlock." },
  "slack.link_unverified": {
    status: 422,
    message: "Slack does not show a confirmed email on that account equal to the Airlock user's email.",
  },
  "slack.unavailable": { status: 502, message: "Slack did not answer; try again shortly." },
  "slack.link_expired": {
    status: 422,
    message: "This Slack link is unknown, used or expired; type /airlock link in Slack for a new one.",
  },

  // outbound webhooks
  "webhook.url_refused": {
    status: 422,
    message: "The webhook URL is not allowed (not http(s), or it points at a private or reserved address).",
  },
  "webhook.not_found": { status: 404, message: "There is no such webhook." },

  // infrastructure
  "service.unavailable": {
    status: 503,
    message: "Airlock cannot reach its database right now; try again shortly.",
  },
  // `airlock dev` before any version of the workspace compiled (cli/dev-reload.ts)
  "workspace.not_compiled": {
    status: 503,
    message: "The workspace does not compile yet; fix it and save (the terminal shows where).",
  },
  internal: {
    status: 500,
    message: "Something went wrong on our side. Quote the request ID when you report it.",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof CATALOGUE;

export function isCatalogued(code: string): code is ErrorCode {
  return Object.hasOwn(CATALOGUE, code);
}
