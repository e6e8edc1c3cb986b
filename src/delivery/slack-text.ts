import type { AuditEvent, Notification } from '../audit/index.js';

/**
 * Slack treats `&`, `<` and `>` as control characters: `<!channel>` pings a whole
 * channel and `<https://…|text>` disguises a link. Every value we interpolate (the
 * admin's free-text reason above all) is escaped so it shows as typed.
 */
function escapeSlack(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function detail(event: AuditEvent, key: string): string | undefined {
  const value = event.details?.[key];
  return value === undefined ? undefined : String(value);
}

/** Human names when the caller recorded them, ids otherwise; raw (escape on output). */
function who(event: AuditEvent) {
  return {
    admin: detail(event, 'adminEmail') ?? event.admin ?? 'unknown',
    user: detail(event, 'userEmail') ?? event.user ?? 'unknown',
    tenant: event.tenant ?? 'unknown tenant',
  };
}

function facts(parts: Array<[label: string, value: string | undefined]>): string {
  const present = parts.filter((part): part is [string, string] => part[1] !== undefined && part[1] !== '');
  return present.length === 0 ? '' : ` (${present.map(([label, value]) => `${label}${escapeSlack(value)}`).join('; ')})`;
}

/**
 * The one-line Slack message for an event (`{"text": …}` webhooks).
 *
 * @example
 * formatSlackText(event) // ":rotating_light: Support impersonation started — admin alice@… is acting as bob@… on acme (reason: …; session …)"
 */
export function formatSlackText(notification: Notification): string {
  if (notification.type === 'audit.checkpoint') {
    const { log, size, rootHash } = notification;
    return `:lock: Audit checkpoint — the ${escapeSlack(log)} log holds ${size} events (root ${rootHash})`;
  }
  const event = notification;
  const names = who(event);
  const [admin, user, tenant] = [escapeSlack(names.admin), escapeSlack(names.user), escapeSlack(names.tenant)];
  const session = event.sid;
  switch (event.type) {
    case 'impersonation.started':
      return (
        `:rotating_light: Support impersonation started — admin ${admin} is acting as ${user} on ${tenant}` +
        facts([
          ['reason: ', event.reason],
          ['session ', session],
          ['until ', detail(event, 'expiresAt')],
        ])
      );
    case 'impersonation.ended': {
      // e.g. "expired", "revoked by user": the reason code, and who ended it if known.
      const endedBy = detail(event, 'endedBy');
      const why = event.code || endedBy ? `${event.code ?? 'ended'}${endedBy ? ` by ${endedBy}` : ''}` : undefined;
      return (
        `:white_check_mark: Support impersonation ended — admin ${admin} is no longer acting as ${user} on ${tenant}` +
        facts([
          ['why: ', why ?? 'not recorded'],
          ['session ', session],
        ])
      );
    }
    case 'impersonation.ticket_replayed':
      return (
        `:warning: Impersonation ticket replayed — a ticket for admin ${admin} acting as ${user} on ${tenant} ` +
        'was presented a second time and refused' +
        facts([
          ['code: ', event.code],
          ['session ', session],
          ['from ', event.ip],
        ])
      );
    case 'impersonation.denied':
      return (
        `:no_entry: Support impersonation denied — admin ${admin} may not act as ${user} on ${tenant}` +
        facts([
          ['code: ', event.code],
          ['reason: ', event.reason],
        ])
      );
    case 'support_access.requested': {
      // PROTOCOL §5: the customer (or their approvers) and a second admin learn of it here.
      const needs = [detail(event, 'needsUser') === 'true' ? `${user} (or an approver at ${tenant}) on their account page` : '', detail(event, 'needsSecondAdmin') === 'true' ? 'a second support admin in the console' : ''].filter(Boolean);
      return (
        `:raising_hand: Support access requested — admin ${admin} asks to act as ${user} on ${tenant}; ` +
        `to be approved by ${needs.join(' and ') || 'nobody'}` +
        facts([
          ['reason: ', event.reason],
          ['for ', detail(event, 'duration') && `${Math.round(Number(detail(event, 'duration')) / 60)} min`],
          ['expires unanswered ', detail(event, 'expiresAt')],
        ])
      );
    }
    case 'support_access.approved':
    case 'support_access.denied':
    case 'support_access.expired':
    case 'support_access.used': {
      const verb = { 'support_access.approved': 'approved', 'support_access.denied': 'denied', 'support_access.expired': 'expired', 'support_access.used': 'used' }[event.type];
      return (
        `:memo: Support access ${verb} — admin ${admin}'s request to act as ${user} on ${tenant}` +
        facts([
          ['by ', detail(event, 'by')],
          ['reason: ', event.reason],
          ['request ', detail(event, 'accessRequest')],
        ])
      );
    }
    case 'tenant.protection_changed': {
      // PROTOCOL §11: what protects the tenant's users changed; say what, from what, to what, by whom.
      const changed = (detail(event, 'changed') ?? '').split(',').filter(Boolean);
      const each = changed.map((name) => `${name} ${detail(event, `before.${name}`)} → ${detail(event, `after.${name}`)}`);
      return (
        `:shield: Protections of ${tenant} changed — ${escapeSlack(each.join('; ') || 'see the audit log')}` +
        facts([
          ['by ', detail(event, 'by')],
          ['via ', detail(event, 'via')],
        ])
      );
    }
    case 'impersonation.ticket_issued':
      return (
        `:ticket: Impersonation ticket issued — admin ${admin} may act as ${user} on ${tenant}` +
        facts([['reason: ', event.reason]])
      );
    default:
      return (
        `Gatehouse audit event ${event.type} (${event.outcome})` +
        facts([
          ['admin ', event.admin && names.admin],
          ['user ', event.user && names.user],
          ['tenant ', event.tenant],
          ['code: ', event.code],
        ])
      );
  }
}
