/**
 * The command table. A new command group is one file in this folder and one entry here
 * (e.g. `audit` with `verify|export`, `sessions` with `list|end`).
 */
import type { CommandGroup } from '../command.js';
import { admin } from './admin.js';
import { audit } from './audit.js';
import { keys } from './keys.js';
import { password } from './password.js';
import { sessions } from './sessions.js';
import { user } from './user.js';

export const commands: CommandGroup[] = [admin, user, password, keys, audit, sessions];
