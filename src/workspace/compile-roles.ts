// Who exists in a workspace: service identities, roles (held by directory groups and services) and
// the groups named anywhere. A group needs no declaration: a role or a policy naming it is enough,
// since groups come from the directory; declaring one only adds a description.
import type { RoleDefinition, Workspace } from "../sdk/define-workspace.ts";
import { DASHED_NAME_PATTERN } from "./workspace-names.ts";

export type CompiledRoles = Readonly<
  Record<
    string,
    Required<Pick<RoleDefinition, "groups" | "services">> & { description: string; emergency: boolean }
  >
>;

export interface CompiledPeople {
  roles: CompiledRoles;
  groups: Record<string, { description: string }>;
  services: Record<string, { description: string }>;
}

export function compileRoles(workspace: Workspace, problems: string[]): CompiledPeople {
  const services: Record<string, { description: string }> = {};
  for (const [name, service] of Object.entries(workspace.services ?? {})) {
    if (!DASHED_NAME_PATTERN.test(name))
      problems.push(`services.${name}: use lowercase letters, digits and dashes.`);
    services[name] = { description: service.description ?? "" };
  }
  const roles: Record<string, CompiledRoles[string]> = {};
  for (const [name, role] of Object.entries(workspace.roles ?? {})) {
    if (!DASHED_NAME_PATTERN.test(name))
      problems.push(`roles.${name}: use lowercase letters, digits and dashes.`);
    for (const service of role.services ?? []) {
      if (!services[service])
        problems.push(`roles.${name}.services: "${service}" is not declared in services.`);
    }
    roles[name] = {
      description: role.description ?? "",
      groups: [...(role.groups ?? [])],
      services: [...(role.services ?? [])],
      emergency: role.emergency === true,
    };
    // Held only by break-glass: a group or service holding it would be in an emergency forever.
    if (role.emergency && (role.groups?.length || role.services?.length))
      problems.push(
        `roles.${name}: an emergency role is taken by break-glass only; give it no groups or services.`,
      );
  }
  const groups: Record<string, { description: string }> = {};
  for (const [name, group] of Object.entries(workspace.groups ?? {})) {
    groups[name] = { description: group.description ?? "" };
  }
  for (const role of Object.values(roles)) {
    for (const group of role.groups) groups[group] ??= { description: "" };
  }
  return { roles, groups, services };
}
