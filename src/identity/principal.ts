/** Who is making a request, as resolved by authentication. */
export interface Principal {
  id: string;
  kind: "human" | "service";
  name: string;
  email: string | null;
  /** Names of the groups the actor belongs to. */
  groups: string[];
  via: "session" | "token" | "service";
  sessionId?: string;
  tokenId?: string;
  /** For session requests: the CSRF token bound to the session. */
  csrfToken?: string;
}

export function actorOf(principal: Principal) {
  return { id: principal.id, kind: principal.kind, name: principal.name, email: principal.email };
}
