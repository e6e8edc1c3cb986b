/**
 * What support did during an impersonation (PROTOCOL §7, §8): entries reported by the
 * tenant app's RP kit, kept per session, shown to the user and in the console.
 */
export { ACTIVITY_CLOCK_SKEW_MS, type ActivityEntry, describeActivity, readActivityEntry } from './entries.js';
export { ACTIVITY_SHOWN, activityLines, countActivity, listActivity } from './read.js';
export { type ActivityLimits, recordActivity, type ReportingClient } from './record.js';
export { ActivityError, type ActivityReasonCode, activityReasons } from './reasons.js';
