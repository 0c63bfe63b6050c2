/**
 * Sync-window evaluation for the simulator, following ArgoCD's rules
 * (pkg/apis/application/v1alpha1 `SyncWindows.CanSync`): an active deny window blocks
 * unless every active deny allows manual sync; else an active allow window permits;
 * else, if allow windows exist but none is active, only their `manualSync` permits.
 * Schedules are 5-field cron expressions; a window is active when it started less than
 * `duration` ago.
 */
import picomatch from 'picomatch';
import type { ApplicationApplicationSyncWindowsResponse, V1alpha1Application, V1alpha1SyncWindow } from '../../functions/lib/argocd/generated/models';
import type { SimApp, SimState } from './core';
import { getProject } from './projects';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A parsed cron field: the set of allowed values, and whether it was `*`. */
interface CronField {
  values: Set<number>;
  any: boolean;
}

/** A parsed 5-field cron expression. */
export interface CronSchedule {
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  dayOfWeek: CronField;
}

function parseField(text: string, min: number, max: number, names?: string[]): CronField {
  const values = new Set<number>();
  const num = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    const n = i >= 0 ? i + (names === MONTHS ? 1 : 0) : Number(s);
    if (!Number.isInteger(n) || n < min || n > max + (names === DAYS ? 1 : 0)) throw new Error(`bad cron value "${s}"`);
    return names === DAYS && n === 7 ? 0 : n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad cron step "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = num(a);
      hi = num(b);
      if (names === DAYS && b === '7') hi = 6;
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, any: text === '*' };
}

/**
 * Parses `minute hour day-of-month month day-of-week` (numbers, `*`, ranges, steps,
 * lists, `jan`..`dec`, `sun`..`sat`) and the `@hourly`/`@daily`/`@weekly`/`@monthly` forms.
 * @throws Error on anything else
 */
export function parseCron(expr: string): CronSchedule {
  const macros: Record<string, string> = {
    '@hourly': '0 * * * *',
    '@daily': '0 0 * * *',
    '@midnight': '0 0 * * *',
    '@weekly': '0 0 * * 0',
    '@monthly': '0 0 1 * *',
    '@yearly': '0 0 1 1 *',
    '@annually': '0 0 1 1 *',
  };
  const fields = (macros[expr.trim()] ?? expr).trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron "${expr}" must have 5 fields`);
  return {
    minute: parseField(fields[0], 0, 59),
    hour: parseField(fields[1], 0, 23),
    dayOfMonth: parseField(fields[2], 1, 31),
    month: parseField(fields[3], 1, 12, MONTHS),
    dayOfWeek: parseField(fields[4], 0, 6, DAYS),
  };
}

/** Wall-clock parts of an instant in a time zone (UTC when none). */
function wallClock(t: Date, timeZone?: string): { minute: number; hour: number; day: number; month: number; weekday: number } {
  if (!timeZone || timeZone === 'UTC') {
    return { minute: t.getUTCMinutes(), hour: t.getUTCHours(), day: t.getUTCDate(), month: t.getUTCMonth() + 1, weekday: t.getUTCDay() };
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    minute: 'numeric',
    hour: 'numeric',
    day: 'numeric',
    month: 'numeric',
    weekday: 'short',
  }).formatToParts(t);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    minute: Number(get('minute')),
    hour: Number(get('hour')),
    day: Number(get('day')),
    month: Number(get('month')),
    weekday: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)),
  };
}

/** Whether the schedule fires at the minute containing `t`. Day fields OR together as in cron. */
export function cronMatches(s: CronSchedule, t: Date, timeZone?: string): boolean {
  const w = wallClock(t, timeZone);
  if (!s.minute.values.has(w.minute) || !s.hour.values.has(w.hour) || !s.month.values.has(w.month)) return false;
  const dom = s.dayOfMonth.values.has(w.day);
  const dow = s.dayOfWeek.values.has(w.weekday);
  if (s.dayOfMonth.any || s.dayOfWeek.any) return dom && dow;
  return dom || dow;
}

/** Parses a Go duration such as `1h`, `30m`, `1h30m`, `90s` into milliseconds. */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += n * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`bad duration "${text}"`);
  return total;
}

/** Longest look-back when searching for a window start (ArgoCD windows are rarely longer). */
const MAX_LOOKBACK_MS = 31 * 24 * 3_600_000;

/** Whether `window` is active at `now`: it started at a cron tick in (now - duration, now]. */
export function isWindowActive(window: V1alpha1SyncWindow, now: Date): boolean {
  if (!window.schedule || !window.duration) return false;
  const schedule = parseCron(window.schedule);
  const duration = Math.min(parseGoDuration(window.duration), MAX_LOOKBACK_MS);
  const start = Math.floor(now.getTime() / 60_000) * 60_000;
  for (let t = start; t > now.getTime() - duration; t -= 60_000) {
    if (cronMatches(schedule, new Date(t), window.timeZone)) return true;
  }
  return false;
}

/**
 * ArgoCD matches window patterns with gobwas/glob without separators, so `*` also spans
 * `/` (cluster URLs); picomatch's `bash` mode gives the same.
 */
function glob(pattern: string, value: string): boolean {
  return picomatch(pattern, { bash: true, dot: true })(value);
}

/** Whether a window applies to the app (applications / namespaces / clusters, OR unless `andOperator`). */
export function windowMatchesApp(window: V1alpha1SyncWindow, app: V1alpha1Application): boolean {
  const name = app.metadata?.name ?? '';
  const ns = app.spec?.destination?.namespace ?? '';
  const clusters = [app.spec?.destination?.server, app.spec?.destination?.name].filter((x): x is string => !!x);
  const checks: boolean[] = [];
  if (window.applications?.length) checks.push(window.applications.some((p) => glob(p, name)));
  if (window.namespaces?.length) checks.push(window.namespaces.some((p) => glob(p, ns)));
  if (window.clusters?.length) checks.push(window.clusters.some((p) => clusters.some((c) => glob(p, c))));
  if (!checks.length) return false;
  return window.andOperator ? checks.every(Boolean) : checks.some(Boolean);
}

/** Result of evaluating an app's windows. */
export interface SyncWindowsEvaluation {
  assignedWindows: V1alpha1SyncWindow[];
  activeWindows: V1alpha1SyncWindow[];
  canSync: boolean;
}

/**
 * Evaluates the project's windows for one app at `now`.
 * @param manual true for a manual/API sync (what the syncwindows endpoint reports)
 */
export function evaluateSyncWindows(windows: V1alpha1SyncWindow[] | undefined, app: V1alpha1Application, now: Date, manual = true): SyncWindowsEvaluation {
  const assigned = (windows ?? []).filter((w) => windowMatchesApp(w, app));
  const active = assigned.filter((w) => isWindowActive(w, now));
  const activeDeny = active.filter((w) => w.kind === 'deny');
  let canSync: boolean;
  if (!assigned.length) canSync = true;
  else if (activeDeny.length) canSync = manual && activeDeny.every((w) => w.manualSync === true);
  else if (active.some((w) => w.kind === 'allow')) canSync = true;
  else {
    const inactiveAllows = assigned.filter((w) => w.kind === 'allow');
    canSync = inactiveAllows.length ? manual && inactiveAllows.some((w) => w.manualSync === true) : true;
  }
  return { assignedWindows: assigned, activeWindows: active, canSync };
}

/** `GET .../syncwindows` for an app. */
export function appSyncWindows(state: SimState, sa: SimApp): ApplicationApplicationSyncWindowsResponse {
  const project = state.projects.get(sa.app.spec?.project ?? '');
  const ev = evaluateSyncWindows(project?.spec?.syncWindows, sa.app, state.now(), true);
  const view = (w: V1alpha1SyncWindow) => ({ kind: w.kind, schedule: w.schedule, duration: w.duration, manualSync: w.manualSync ?? false });
  return { assignedWindows: ev.assignedWindows.map(view), activeWindows: ev.activeWindows.map(view), canSync: ev.canSync };
}

/** `GET /api/v1/projects/{name}/syncwindows`: the project's windows active now. */
export function projectSyncWindows(state: SimState, name: string): { windows: V1alpha1SyncWindow[] } {
  const p = getProject(state, name);
  const now = state.now();
  return { windows: (p.spec?.syncWindows ?? []).filter((w) => isWindowActive(w, now)) };
}
