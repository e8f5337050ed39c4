// The two spellings a workspace author's names take: actions are snake_case because they appear
// in URLs, CLI arguments and SQL-facing audit columns alike; roles, services and tags are
// lowercase-with-dashes, as directory groups usually are.

/** An action's name: `issue_credit`. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** A role, service or tag: `support-managers`. */
export const DASHED_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
