/**
 * Outgoing notification email (a stand-in: it logs instead of sending). During a support
 * session nothing goes out: the user would get mail about things they did not do.
 */
import type { Context } from 'koa';
import type { SiteState } from './html.js';
import type { TenantAppLogger, TenantSite } from './options.js';

export interface Email {
  subject: string;
  text: string;
}

/** Returns whether the email was sent (false: suppressed, or nobody to send it to). */
export type SendEmail = (ctx: Context, email: Email) => boolean;

export function emailSender(site: TenantSite, logger: TenantAppLogger): SendEmail {
  return function sendEmail(ctx, email) {
    const { currentUser, impersonation } = ctx.state as SiteState;
    if (!currentUser) return false;
    if (impersonation) {
      logger.info(
        { tenant: site.id, sub: currentUser.sub, subject: email.subject, impersonatedBy: impersonation.actor, sid: impersonation.sid },
        'email suppressed during impersonation',
      );
      return false;
    }
    logger.info({ tenant: site.id, sub: currentUser.sub, subject: email.subject }, 'email sent');
    return true;
  };
}
