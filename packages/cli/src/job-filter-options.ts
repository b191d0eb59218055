/** The filter flags shared by `jobs list` and `jobs bulk`, and their parsing. */
import type { Command } from 'commander';
import type { JobFilterInput } from './connection.js';
import { collect, parseDateOption, parseKeyValues, parseStatesOption } from './parse-options.js';

/** The raw filter flags as commander hands them over. */
export interface FilterFlags {
  state?: string;
  queue?: string;
  task?: string;
  createdAfter?: string;
  createdBefore?: string;
  metadata?: string[];
}

/** Declares the filter flags on `command`. */
export function addFilterOptions(command: Command): Command {
  return command
    .option(
      '-s, --state <states>',
      'job states, comma-separated (scheduled,pending,running,retrying,completed,failed,cancelled)',
    )
    .option('-Q, --queue <queue>', 'only this queue')
    .option('-t, --task <task>', 'only this task')
    .option(
      '--created-after <time>',
      'created at or after: ISO time, or a duration meaning that long ago (2h)',
    )
    .option('--created-before <time>', 'created before: ISO time, or a duration meaning that long ago')
    .option('-m, --metadata <key=value>', 'metadata key equals value (repeatable)', collect);
}

/** Parses the filter flags (usage errors name the flag). */
export function parseFilter(flags: FilterFlags, now: number): JobFilterInput {
  const filter: JobFilterInput = {};
  if (flags.state !== undefined) filter.state = parseStatesOption(flags.state);
  if (flags.queue !== undefined) filter.queue = flags.queue;
  if (flags.task !== undefined) filter.task = flags.task;
  if (flags.createdAfter !== undefined)
    filter.createdAfter = parseDateOption(flags.createdAfter, '--created-after', now);
  if (flags.createdBefore !== undefined)
    filter.createdBefore = parseDateOption(flags.createdBefore, '--created-before', now);
  if (flags.metadata !== undefined && flags.metadata.length > 0)
    filter.metadata = parseKeyValues(flags.metadata, '--metadata');
  return filter;
}

/** True when the filter names nothing (it would match every job). */
export function isEmptyFilter(filter: JobFilterInput): boolean {
  return Object.keys(filter).length === 0;
}
