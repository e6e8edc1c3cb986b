/**
 * The command table. A new command group is one file in this folder and one entry here
 * (e.g. `audit` with `verify|export`, `sessions` with `list|end`).
 */
import type { CommandGroup } from '../command.js';
import { admin } from './admin.js';
import { audit } from './audit.js';
import { client } from './client.js';
import { config } from './config.js';
import { domain } from './domain.js';
import { keys } from './keys.js';
import { password } from './password.js';
import { role } from './role.js';
import { sessions } from './sessions.js';
import { tenant } from './tenant.js';
import { user } from './user.js';

export const commands: CommandGroup[] = [admin, user, password, keys, audit, sessions, tenant, domain, client, role, config];
