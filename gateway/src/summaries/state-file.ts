/**
 * The summaries' state that must survive a gateway restart: where the next window
 * starts, the hour and day roll-ups accumulated so far, and each kind's own snapshot
 * (e.g. the last reading of every energy counter, so the consumption across the
 * restart is not lost). Written with v8 serialization (Maps and Sets included) through
 * lib/atomic-file.ts, so a crash leaves the old or the new state, never half.
 * Mode 0600: roll-ups of pe/writing activity hold pseudonyms until they are aggregated.
 */
import { readFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomicSync } from '../lib/atomic-file.js';
import { gwError } from '../errors.js';

export interface SummariesState {
  /** 2: pe/writing roll-ups hold published sessions only (1 held the withheld ones too). */
  version: 1 | 2;
  nextStart: number;
  hour: Array<[string, unknown]>;
  day: Array<[string, unknown]>;
  kinds: Array<[string, unknown]>;
}

export function saveState(path: string, state: SummariesState): void {
  writeFileAtomicSync(path, serialize(state));
}

/** Alarm states (`AlarmTracker.snapshot()`), small and saved after every alarm: a file of their own beside the state. */
export function alarmStatePath(statePath: string): string {
  return `${statePath}.alarms.json`;
}

export function saveAlarmState(path: string, entries: Array<[string, number, boolean]>): void {
  // Saved after every alarm, on the event loop: an fsync costs ~6 ms against ~1 ms without (ext4,
  // measured), which an offline storm of 1,000 devices would turn into seconds. Still atomic;
  // a power cut may lose the last states written (as before the shared module), never half a file.
  writeFileAtomicSync(path, JSON.stringify({ version: 1, entries }), { fsync: 'none' });
}

export function loadAlarmState(path: string): Array<[string, number, boolean]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const state = JSON.parse(text) as { version?: number; entries?: unknown };
  if (state.version !== 1 || !Array.isArray(state.entries)) throw gwError('GW_ERR_SUMMARIES_STATE', `${path} is not an alarm state file`);
  return state.entries as Array<[string, number, boolean]>;
}

export function loadState(path: string): SummariesState | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const state = deserialize(buf) as SummariesState;
  if ((state?.version !== 1 && state?.version !== 2) || typeof state.nextStart !== 'number') throw gwError('GW_ERR_SUMMARIES_STATE', `${path} is not a summaries state file`);
  return state;
}
