/**
 * What the API, the CLI and the console may send, validated with the config file's own
 * schemas (PROTOCOL §11: one tenant means the same from either), strict about unknown
 * fields (a misspelt `consnet` must not pass silently). Updates are JSON merge patches
 * (RFC 7396): applied to the current settings, then the whole result is validated again.
 */
import { z } from 'zod';
import { CLIENT_SCOPES, checkClientRoles, clientFieldsSchema, originSchema, roleSchema, tenantSettingsSchema } from '../config/schema.js';
import { type FieldIssue, TenancyError } from './errors.js';

/** Most domains one tenant may hold. */
export const MAX_DOMAINS = 20;

export const tenantCreateSchema = tenantSettingsSchema.extend({ domains: z.array(originSchema).max(MAX_DOMAINS).default([]) }).strict();
export const tenantSettingsStrict = tenantSettingsSchema.strict();
export const domainInputSchema = z.object({ origin: originSchema }).strict();
export const verifyInputSchema = z.object({ method: z.enum(['http', 'dns']).default('http') }).strict();

/**
 * What the provider would refuse when it meets the client (oidc-provider validates a
 * client's metadata at its first use, not before): caught when it is written instead, so
 * no client is created that cannot be used.
 */
function checkProviderRules(c: { grantTypes: string[]; redirectUris: string[]; scope: string }, ctx: z.RefinementCtx) {
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'a client with the authorization_code grant needs at least one redirect URI' });
  }
  const unknown = c.scope.split(' ').filter((s) => !(CLIENT_SCOPES as readonly string[]).includes(s));
  if (unknown.length) ctx.addIssue({ code: 'custom', path: ['scope'], message: `unsupported scope ${unknown.join(', ')} (supported: ${CLIENT_SCOPES.join(', ')})` });
}

/** A client as created: its secret is Gatehouse's to generate. */
export const clientCreateSchema = clientFieldsSchema.omit({ clientSecret: true }).strict();
/** The same, with the rules between its fields and the provider's. */
export const clientCreateChecked = clientCreateSchema.superRefine(checkClientRoles).superRefine(checkProviderRules);
/** A client after an update, checked whole; whether it may be public is for its stored secrets to say (updateClient). */
export const clientChecked = clientFieldsSchema.superRefine(checkClientRoles).superRefine(checkProviderRules);
/** The fields an update may change; id, role and tenant are what the client is. */
export const CLIENT_PATCHABLE = ['name', 'redirectUris', 'postLogoutRedirectUris', 'grantTypes', 'scope', 'backchannelLogoutUri'] as const;
export const rotateInputSchema = z.object({ overlapSeconds: z.number().int().min(0).max(30 * 86_400).optional() }).strict();
export const roleInputSchema = roleSchema.omit({ name: true }).strict();

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/** Parses `input` or throws `body_invalid` with every failed field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    throw new TenancyError('body_invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return parsed.data;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7396: objects merge member by member, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** A patch must be an object whose members are among `allowed`. */
export function checkPatch(patch: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isObject(patch)) throw new TenancyError('body_invalid', 'a merge patch is a JSON object', [{ path: '(body)', message: 'expected an object' }]);
  const unknown = Object.keys(patch).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    const issues = unknown.map((k) => ({ path: k, message: `cannot be changed here (changeable: ${allowed.join(', ')})` }));
    throw new TenancyError('body_invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return patch;
}
