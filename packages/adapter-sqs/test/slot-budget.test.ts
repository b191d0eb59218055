/** The consumer's slot arithmetic (pure): every counter transition and every derived quantity. */
import { describe, expect, it } from 'vitest';
import {
  dispatchRoom,
  freeSlots,
  initialCounts,
  jobsPromised,
  MAX_POLLERS,
  mayHandOut,
  messagesToAskFor,
  nextCounts,
  pollerCount,
  prefetch,
  room,
  roomForAMessage,
  type SlotCounts,
  type SlotEvent,
  SlotLedger,
  type SlotSettings,
} from '../src/slot-budget.js';

const settings: SlotSettings = { concurrency: 4, mayReceiveAhead: true, fifo: false, jobsPerMessage: 1 };
const base: SlotCounts = initialCounts(settings);

describe('slot budget: initial counters', () => {
  it('start empty, receiving ahead, at the configured jobs per message', () => {
    expect(initialCounts({ ...settings, jobsPerMessage: 10 })).toEqual({
      active: 0,
      running: 0,
      settling: 0,
      screening: 0,
      waiting: 0,
      requested: 0,
      jobsPerMessage: 10,
      receiveAhead: true,
    });
  });
});

describe('slot budget: every transition', () => {
  const cases: Array<[string, Partial<SlotCounts>, SlotEvent, Partial<SlotCounts>]> = [
    ['a short poll holds its promise', {}, { type: 'poll-started', jobs: 7 }, { requested: 7 }],
    [
      'an answered short poll gives it back',
      { requested: 9 },
      { type: 'poll-ended', jobs: 7 },
      { requested: 2 },
    ],
    [
      'a message of 9 jobs moves the average a quarter of the way',
      {},
      { type: 'message-seen', jobs: 9 },
      { jobsPerMessage: 3 },
    ],
    [
      'a message of 1 job pulls a high average down',
      { jobsPerMessage: 9 },
      { type: 'message-seen', jobs: 1 },
      { jobsPerMessage: 7 },
    ],
    ['screening starts', { screening: 2 }, { type: 'screening-started', jobs: 3 }, { screening: 5 }],
    [
      'screened jobs wait (some needed no slot)',
      { screening: 5, waiting: 1 },
      { type: 'screening-ended', jobs: 3, waiting: 2 },
      { screening: 2, waiting: 3 },
    ],
    ['a ticket handed back waits again', { waiting: 5 }, { type: 'waiting-added', jobs: 1 }, { waiting: 6 }],
    ['waiting jobs given back', { waiting: 5 }, { type: 'waiting-dropped', jobs: 2 }, { waiting: 3 }],
    ['a message went back unclaimed', {}, { type: 'received-too-far-ahead' }, { receiveAhead: false }],
    [
      'a claim takes waiting jobs into slots',
      { waiting: 5, active: 1 },
      { type: 'claim-started', jobs: 3 },
      { waiting: 2, active: 4 },
    ],
    [
      'a claim that needed no slot frees it and resumes receiving ahead',
      { active: 3, receiveAhead: false },
      { type: 'claim-dropped' },
      { active: 2, receiveAhead: true },
    ],
    ['a lease is handed out', { active: 1 }, { type: 'handed-out' }, { active: 1, running: 1 }],
    ['a final write starts', { settling: 1 }, { type: 'settling-started' }, { settling: 2 }],
    ['a final write ends', { settling: 2 }, { type: 'settling-ended' }, { settling: 1 }],
    [
      'a finished lease frees its slot and resumes receiving ahead',
      { active: 2, running: 2, receiveAhead: false },
      { type: 'lease-finished' },
      { active: 1, running: 1, receiveAhead: true },
    ],
    [
      'a lease claimed ahead goes back while stopping (receiving stays as it was)',
      { active: 2, receiveAhead: false },
      { type: 'unclaimed' },
      { active: 1, receiveAhead: false },
    ],
  ];
  it.each(cases)('%s', (_name, before, event, changed) => {
    const start = { ...base, ...before };
    expect(nextCounts(start, event)).toEqual({ ...start, ...changed });
  });

  it('never changes the counters it is given', () => {
    const start = { ...base };
    nextCounts(start, { type: 'claim-started', jobs: 2 });
    expect(start).toEqual(base);
  });
});

describe('slot budget: derived quantities', () => {
  it.each([
    // concurrency, active, settling → free slots
    [4, 0, 0, 4],
    [4, 3, 0, 1],
    [4, 4, 1, 1],
    [4, 5, 1, 0],
  ])('concurrency %i, %i active, %i settling → %i free slots', (concurrency, active, settling, free) => {
    expect(freeSlots({ ...settings, concurrency }, { ...base, active, settling })).toBe(free);
  });

  it.each([
    [4, 3, true],
    [4, 4, false],
  ])('concurrency %i with %i running may hand out: %s', (concurrency, running, may) => {
    expect(mayHandOut({ ...settings, concurrency }, { ...base, running })).toBe(may);
  });

  it.each([
    // mayReceiveAhead, concurrency, jobs per message → prefetch
    [false, 20, 10, 0],
    [true, 20, 1, 20],
    [true, 4, 1.4, 4],
    [true, 4, 1.5, 15],
    [true, 20, 10, 100],
    [true, 20, 30, 100],
    [true, 200, 10, 200],
  ])(
    'receive ahead %s, concurrency %i, %d jobs per message → prefetch %i',
    (may, concurrency, perMessage, expected) => {
      expect(
        prefetch({ ...settings, mayReceiveAhead: may, concurrency }, { ...base, jobsPerMessage: perMessage }),
      ).toBe(expected);
    },
  );

  it.each<[string, Partial<SlotCounts>, number]>([
    ['empty: slots plus prefetch', {}, 8],
    ['receiving ahead paused: slots only', { receiveAhead: false }, 4],
    ['everything on its way counts', { active: 1, requested: 2, screening: 1, waiting: 1 }, 3],
    ['over-received: negative', { active: 4, waiting: 6 }, -2],
  ])('room: %s', (_name, counts, expected) => {
    expect(room(settings, { ...base, ...counts })).toBe(expected);
  });

  it.each<[string, SlotSettings, Partial<SlotCounts>, boolean]>([
    ['single-job messages: any room', settings, { active: 7 }, true],
    ['single-job messages: no room', settings, { active: 8 }, false],
    // capacity 4 + 40 = 44, half is 22
    ['shared messages: half the capacity free', settings, { jobsPerMessage: 4, active: 22 }, true],
    ['shared messages: less than half free', settings, { jobsPerMessage: 4, active: 23 }, false],
  ])('worth a receive: %s', (_name, slotSettings, counts, expected) => {
    expect(roomForAMessage(slotSettings, { ...base, ...counts })).toBe(expected);
  });

  it.each<[string, SlotSettings, Partial<SlotCounts>, number]>([
    ['FIFO: always one', { ...settings, fifo: true }, {}, 1],
    ['room 8, one job per message', settings, {}, 8],
    [
      'room 4 (not receiving ahead), two jobs per message',
      settings,
      { jobsPerMessage: 2, receiveAhead: false },
      2,
    ],
    ['room 24 (two jobs per message widen the prefetch): capped at 10', settings, { jobsPerMessage: 2 }, 10],
    ['at most 10', { ...settings, concurrency: 50 }, {}, 10],
    ['at least 1', settings, { active: 8 }, 1],
  ])('messages to ask for: %s', (_name, slotSettings, counts, expected) => {
    expect(messagesToAskFor(slotSettings, { ...base, ...counts })).toBe(expected);
  });

  it.each([
    [3, 1, 3],
    [3, 2.4, 7],
    [0, 1, 1],
  ])('a poll for %i messages at %d jobs each holds %i jobs', (messages, perMessage, expected) => {
    expect(jobsPromised(messages, { ...base, jobsPerMessage: perMessage })).toBe(expected);
  });

  it.each<[string, SlotSettings, number]>([
    ['concurrency 4, one job per message', settings, 1],
    ['concurrency 20 with 20 ahead, one job per message', { ...settings, concurrency: 20 }, 4],
    ['concurrency 20, 10 jobs per message', { ...settings, concurrency: 20, jobsPerMessage: 10 }, 2],
    [
      'FIFO: one per message, at most the cap',
      { ...settings, fifo: true, mayReceiveAhead: false, concurrency: 9 },
      MAX_POLLERS,
    ],
    ['FIFO, concurrency 2', { ...settings, fifo: true, mayReceiveAhead: false, concurrency: 2 }, 2],
  ])('pollers: %s', (_name, slotSettings, expected) => {
    expect(pollerCount(slotSettings, initialCounts(slotSettings))).toBe(expected);
  });

  it.each<[boolean, Partial<SlotCounts>, number]>([
    [false, {}, 8],
    [true, {}, 0],
    [false, { active: 4, waiting: 6 }, 0],
  ])('dispatch room when stopped=%s', (stopped, counts, expected) => {
    expect(dispatchRoom(settings, { ...base, ...counts }, stopped)).toBe(expected);
  });
});

describe('slot ledger', () => {
  it('a lease through its life: claimed, handed out, settled, finished', () => {
    const ledger = new SlotLedger(settings);
    ledger.apply({ type: 'screening-started', jobs: 2 });
    ledger.apply({ type: 'screening-ended', jobs: 2, waiting: 2 });
    expect(ledger.room()).toBe(6);
    ledger.apply({ type: 'claim-started', jobs: 2 });
    ledger.apply({ type: 'handed-out' });
    ledger.apply({ type: 'handed-out' });
    expect(ledger.freeSlots()).toBe(2);
    ledger.apply({ type: 'settling-started' });
    expect(ledger.freeSlots()).toBe(3);
    ledger.apply({ type: 'settling-ended' });
    ledger.apply({ type: 'lease-finished' });
    ledger.apply({ type: 'lease-finished' });
    expect(ledger.counts).toEqual(base);
  });
});
