/**
 * Parsing of flag values: JSON payloads, durations, integers, state lists and
 * key=value pairs. Pure; every failure is a usage error naming the flag, raised
 * before the CLI talks to a backend, so bad input never writes anything.
 */
import { JOB_STATES, type JobState, parseDuration } from '@switchyard/core';
import { usageError } from './exit-codes.js';

/** Parses a JSON document given to `flag`. */
export function parseJsonOption(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw usageError(`${flag} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parses a duration (`250ms`, `30s`, `5m`, `2h`, `7d`) given to `flag`, in ms. */
export function parseDurationOption(text: string, flag: string): number {
  const trimmed = text.trim();
  // A bare number is taken as milliseconds, as in the library.
  const input = /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  try {
    return parseDuration(input, flag);
  } catch {
    throw usageError(`${flag}: invalid duration ${JSON.stringify(text)} (use e.g. 250ms, 30s, 5m, 2h, 7d)`);
  }
}

/** Parses an integer in [min, max] given to `flag`. */
export function parseIntegerOption(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw usageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Parses a comma-separated list of job states. */
export function parseStatesOption(text: string, flag = '--state'): JobState[] {
  const states = splitList(text);
  if (states.length === 0) throw usageError(`${flag} needs at least one state`);
  for (const state of states) {
    if (!(JOB_STATES as readonly string[]).includes(state)) {
      throw usageError(`${flag}: unknown state "${state}" (one of ${JOB_STATES.join(', ')})`);
    }
  }
  return states as JobState[];
}

/** Parses a comma-separated list of names (`--queues a,b`). */
export function parseListOption(text: string, flag: string): string[] {
  const names = splitList(text);
  if (names.length === 0) throw usageError(`${flag} needs at least one name`);
  return names;
}

/** Collects repeated `key=value` flags into a record. */
export function parseKeyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usageError(`${flag} takes key=value, got ${JSON.stringify(pair)}`);
    record[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return record;
}

/** Parses a date flag: ISO 8601, or a duration meaning "that long ago" (e.g. `2h`). */
export function parseDateOption(text: string, flag: string, now: number): Date {
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(text.trim())) {
    return new Date(now - parseDurationOption(text, flag));
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw usageError(
      `${flag}: invalid date ${JSON.stringify(text)} (an ISO date, or a duration like 2h meaning 2h ago)`,
    );
  }
  return date;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
