import type { Context } from 'koa';
import type { GatehouseRpBaseOptions } from '../core/types.js';

/** Options of the Koa {@link gatehouseRp}; the cookie is signed with `app.keys`. */
export type GatehouseRpOptions<User extends object = Record<string, unknown>> = GatehouseRpBaseOptions<User, Context>;
