/**
 * Templates (the only place that imports eta). Auto-escaping is on: `<%= %>` escapes,
 * and `<%~ %>` is used only for HTML we built ourselves (the layout body).
 */
import { join } from 'node:path';
import { Eta } from 'eta';
import { PACKAGE_ROOT } from '../package-root.js';

const viewsDir = join(PACKAGE_ROOT, 'views');
const eta = new Eta({ views: viewsDir, autoEscape: true, cache: process.env.NODE_ENV === 'production' });

export interface PageData {
  title: string;
  [key: string]: unknown;
}

export function render(view: string, data: PageData): string {
  return eta.render(view, data);
}
