import { ModelStatus, Relation, Role } from "../core/constants.js";
import { CliError } from "./shared.js";

/** Enum values as people type and read them: lower case with underscores ("data_curation", "finetune"). */
function namesOf(values: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(values).map(([name, value]) => [value, name.toLowerCase()]));
}

const RELATIONS = namesOf(Relation);
const ROLES = namesOf(Role);
const STATUSES = namesOf(ModelStatus);

export const relationName = (value: number) => RELATIONS.get(value) ?? `relation ${value}`;
export const roleName = (value: number) => ROLES.get(value) ?? `role ${value}`;
export const statusName = (value: number) => STATUSES.get(value) ?? `status ${value}`;

function parseName(text: string, names: Map<number, string>, what: string): number {
  const wanted = text.trim().toLowerCase().replaceAll("-", "_");
  for (const [value, name] of names) if (name === wanted) return value;
  throw new CliError(`unknown ${what} "${text}": use one of ${[...names.values()].join(", ")}.`);
}

export const parseRelation = (text: string) => parseName(text, RELATIONS, "relation");
export const parseRole = (text: string) => parseName(text, ROLES, "role");
