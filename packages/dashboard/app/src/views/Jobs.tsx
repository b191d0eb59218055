/**
 * The jobs list: filters in the URL, cursor pagination, live updates from the event
 * stream, and actions on the selected jobs or on every job matching the filters.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { runForEach } from '../bulk-run.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { useApp } from '../context.ts';
import { formatCount, formatRelative, formatTime, shortId } from '../format.ts';
import { useEvents, useLoader, useNow } from '../hooks.ts';
import {
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  isEmptyFilter,
  type JobFilters,
  needsRecordToMatch,
} from '../job-filters.ts';
import { applyJobEvent, insertJob, type JobRow, replayJobEvents } from '../live-jobs.ts';
import { formatRoute, jobLink } from '../router.ts';
import { type JobEvent, TERMINAL_STATES } from '../types.ts';
import { JobFiltersForm } from './JobFiltersForm.tsx';

const PAGE_SIZES = [25, 50, 100, 200];

function pageSizeOf(params: URLSearchParams): number {
  const value = Number(params.get('limit'));
  return PAGE_SIZES.includes(value) ? value : 50;
}

/** The jobs view; `params` holds the filters, `limit` and `cursor`. */
export function Jobs({ params }: { params: URLSearchParams }) {
  const { api, can, notify, confirm } = useApp();
  const paramsText = params.toString();
  const filters = useMemo(() => filtersFromParams(params), [paramsText]);
  const limit = pageSizeOf(params);
  const cursor = params.get('cursor') ?? undefined;
  const [rows, setRows] = useState<JobRow[]>([]);
  const [nextCursor, setNextCursor] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const cursorTrail = useRef<string[]>([]);
  const generation = useRef(0);
  const now = useNow(5000);

  const catalogue = useLoader(async () => {
    const [summary, tasks] = await Promise.all([api.stats.summary(), api.tasks.list()]);
    return { queues: summary.queues.map((queue) => queue.queue), tasks: tasks.map((task) => task.name) };
  }, [api]);

  /** Shows a job whose fit needs its record (metadata/payload filters) if the filtered list has it. */
  const showIfFits = (event: JobEvent, pageFull: boolean) => {
    void api.jobs.list({ ...filtersToQuery(filters), createdAfter: event.createdAt, limit: 20 }).then(
      (page) => {
        const job = page.jobs.find((candidate) => candidate.id === event.jobId);
        if (job) setRows((current) => insertJob(current, job, pageFull, Date.now()));
      },
      () => undefined,
    );
  };

  // Events that arrive while a page loads are kept and replayed onto it: the page may have
  // been read before them, and would otherwise overwrite what they showed.
  const eventsDuringLoad = useRef<JobEvent[] | undefined>(undefined);
  const load = async () => {
    const mine = ++generation.current;
    eventsDuringLoad.current = [];
    setLoading(true);
    try {
      const page = await api.jobs.list({ ...filtersToQuery(filters), limit, ...(cursor ? { cursor } : {}) });
      if (mine !== generation.current) return;
      const replayed = replayJobEvents(
        page.jobs.map((job) => ({ job })),
        eventsDuringLoad.current ?? [],
        {
          filters,
          firstPage: cursor === undefined,
          pageFull: page.nextCursor !== undefined,
          now: Date.now(),
        },
      );
      setRows(replayed.rows);
      setNextCursor(page.nextCursor);
      setLoadError(undefined);
      for (const event of replayed.fetch) showIfFits(event, page.nextCursor !== undefined);
    } catch (error) {
      if (mine === generation.current) setLoadError((error as Error).message);
    } finally {
      if (mine === generation.current) {
        eventsDuringLoad.current = undefined;
        setLoading(false);
      }
    }
  };
  useEffect(() => {
    // Rows of the previous filters must not show under the new ones while the page loads.
    setRows([]);
    setNextCursor(undefined);
    setSelected(new Set());
    void load();
  }, [api, paramsText]);

  const go = (next: JobFilters, extra: Record<string, string> = {}) => {
    const search = filtersToParams(next);
    if (limit !== 50) search.set('limit', String(limit));
    for (const [key, value] of Object.entries(extra)) search.set(key, value);
    location.hash = formatRoute('jobs', { params: search });
  };
  const goPage = (target: string | undefined) => {
    const search = new URLSearchParams(params);
    if (target) search.set('cursor', target);
    else search.delete('cursor');
    location.hash = formatRoute('jobs', { params: search });
  };

  // Live updates: applied to the rows in place; a gap re-reads the page.
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  useEvents((event) => {
    if (event.type === 'gap') {
      void load();
      return;
    }
    if (eventsDuringLoad.current) {
      eventsDuringLoad.current.push(event);
      return;
    }
    const update = applyJobEvent(rowsRef.current, event, {
      filters,
      firstPage: cursor === undefined,
      pageFull: nextCursor !== undefined,
      now: Date.now(),
    });
    if (update.rows !== rowsRef.current) setRows(update.rows);
    if (update.fetch) showIfFits(event, nextCursor !== undefined);
  });

  const visibleIds = rows.map((row) => row.job.id);
  const allSelected = visibleIds.length > 0 && visibleIds.every((id) => selected.has(id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const selectedJobs = rows.filter((row) => selected.has(row.job.id)).map((row) => row.job);

  const actOnSelection = async (verb: 'retry' | 'cancel' | 'remove') => {
    const targets =
      verb === 'retry'
        ? selectedJobs.filter((job) => job.state === 'failed' || job.state === 'cancelled')
        : verb === 'cancel'
          ? selectedJobs.filter((job) => !TERMINAL_STATES.includes(job.state))
          : selectedJobs;
    if (targets.length === 0) {
      notify(
        `None of the selected jobs can be ${verb === 'retry' ? 'retried' : verb === 'cancel' ? 'cancelled' : 'removed'}`,
        'error',
      );
      return;
    }
    if (verb !== 'retry') {
      const ok = await confirm({
        title: `${verb === 'cancel' ? 'Cancel' : 'Remove'} ${targets.length} job${targets.length === 1 ? '' : 's'}?`,
        body:
          verb === 'cancel'
            ? 'Waiting jobs are cancelled; running jobs are asked to stop.'
            : 'The jobs are deleted from the backend. This cannot be undone.',
        confirmLabel: `${verb === 'cancel' ? 'Cancel' : 'Remove'} ${targets.length} job${targets.length === 1 ? '' : 's'}`,
        danger: true,
      });
      if (!ok) return;
    }
    setBusy(`${verb}…`);
    const outcome = await runForEach(
      targets.map((job) => job.id),
      (id) =>
        verb === 'retry' ? api.jobs.retry(id) : verb === 'cancel' ? api.jobs.cancel(id) : api.jobs.remove(id),
    );
    setBusy(undefined);
    const past = verb === 'retry' ? 'Retried' : verb === 'cancel' ? 'Cancelled' : 'Removed';
    notify(
      `${past} ${outcome.done} job${outcome.done === 1 ? '' : 's'}${outcome.failed.length ? `; ${outcome.failed.length} failed: ${outcome.failed[0]!.message}` : ''}`,
      outcome.failed.length ? 'error' : 'info',
    );
    setSelected(new Set());
    void load();
  };

  const actOnMatching = async (action: 'retry' | 'cancel' | 'remove') => {
    const query = filtersToQuery(filters);
    const described = describeFilters(filters);
    const ok = await confirm({
      title: `${action === 'retry' ? 'Retry' : action === 'cancel' ? 'Cancel' : 'Remove'} every job matching ${described}?`,
      body: 'This acts on every matching job in the backend, not only the ones on this page.',
      confirmLabel: `${action === 'retry' ? 'Retry' : action === 'cancel' ? 'Cancel' : 'Remove'} all matching`,
      danger: action !== 'retry',
    });
    if (!ok) return;
    setBusy(`${action} all…`);
    try {
      const outcome = await api.jobs.bulk(action, query);
      notify(
        `${formatCount(outcome.changed)} of ${formatCount(outcome.matched)} matching jobs changed${outcome.requested ? `, ${outcome.requested} running asked to stop` : ''}${outcome.skipped ? `, ${outcome.skipped} skipped` : ''}`,
      );
    } catch (error) {
      notify(`Bulk ${action} failed: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(undefined);
      void load();
    }
  };

  const canBulk = can('bulk') && !isEmptyFilter(filters);
  const selectable = can('retry') || can('cancelWaiting') || can('remove');
  const retryFailedInQueue = filters.queue && can('bulk');
  return (
    <main>
      <h1>Jobs</h1>
      <JobFiltersForm
        filters={filters}
        queues={catalogue.data?.queues ?? []}
        tasks={catalogue.data?.tasks ?? []}
        onApply={(next) => go(next)}
      />
      {needsRecordToMatch(filters) ? (
        <p class="muted small">
          Metadata and payload filters are not indexed by every backend: a page may come back short, with a
          link to go on scanning.
        </p>
      ) : null}
      <div class="toolbar" role="toolbar" aria-label="Job actions">
        <span class="muted" role="status">
          {selected.size > 0 ? `${selected.size} selected` : `${rows.length} shown`}
        </span>
        {can('retry') ? (
          <button
            type="button"
            disabled={selected.size === 0 || busy !== undefined}
            onClick={() => void actOnSelection('retry')}
          >
            Retry selected
          </button>
        ) : null}
        {can('cancelWaiting') ? (
          <button
            type="button"
            disabled={selected.size === 0 || busy !== undefined}
            onClick={() => void actOnSelection('cancel')}
          >
            Cancel selected
          </button>
        ) : null}
        {can('remove') ? (
          <button
            type="button"
            class="danger"
            disabled={selected.size === 0 || busy !== undefined}
            onClick={() => void actOnSelection('remove')}
          >
            Remove selected
          </button>
        ) : null}
        {retryFailedInQueue ? (
          <button type="button" disabled={busy !== undefined} onClick={() => void actOnMatchingRetryQueue()}>
            Retry all failed in {filters.queue}
          </button>
        ) : null}
        {canBulk ? (
          <details class="menu">
            <summary>All matching…</summary>
            <div class="menu-items">
              <button type="button" onClick={() => void actOnMatching('retry')}>
                Retry all matching
              </button>
              <button type="button" onClick={() => void actOnMatching('cancel')}>
                Cancel all matching
              </button>
              <button type="button" class="danger" onClick={() => void actOnMatching('remove')}>
                Remove all matching
              </button>
            </div>
          </details>
        ) : null}
        {busy ? (
          <span class="muted" role="status">
            {busy}
          </span>
        ) : null}
        <label class="page-size">
          Per page
          <select
            value={String(limit)}
            onChange={(event) => {
              const search = new URLSearchParams(params);
              search.set('limit', event.currentTarget.value);
              search.delete('cursor');
              location.hash = formatRoute('jobs', { params: search });
            }}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>
      {loadError ? (
        <p class="error-text" role="alert">
          Could not load jobs: {loadError}
        </p>
      ) : null}
      <div class="table-wrap" aria-busy={loading}>
        <table class="jobs">
          <thead>
            <tr>
              {selectable ? (
                <th scope="col" class="check">
                  <input
                    type="checkbox"
                    aria-label="Select every job on this page"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(visibleIds))}
                  />
                </th>
              ) : null}
              <th scope="col">Job</th>
              <th scope="col">Task</th>
              <th scope="col">Queue</th>
              <th scope="col">State</th>
              <th scope="col" class="num">
                Attempt
              </th>
              <th scope="col">Created</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ job, changedAt, stale }) => (
              <tr
                key={job.id}
                data-job-id={job.id}
                data-state={job.state}
                class={`${stale ? 'stale' : ''}${changedAt && now - changedAt < 4000 ? ' changed' : ''}`}
              >
                {selectable ? (
                  <td class="check">
                    <input
                      type="checkbox"
                      aria-label={`Select job ${job.id}`}
                      checked={selected.has(job.id)}
                      onChange={() => toggle(job.id)}
                    />
                  </td>
                ) : null}
                <td>
                  <a href={jobLink(job.id)} class="mono" title={job.id}>
                    {shortId(job.id)}
                  </a>
                </td>
                <td>{job.task}</td>
                <td>{job.queue}</td>
                <td>
                  <StateBadge state={job.state} />
                </td>
                <td class="num">
                  {job.attempt}
                  {job.maxAttempts ? `/${job.maxAttempts}` : ''}
                </td>
                <td title={formatTime(job.createdAt)}>{formatRelative(job.createdAt, now)}</td>
                <td class="error-cell">{job.error ? `${job.error.name}: ${job.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && rows.length === 0 ? (
          <p class="muted empty">No jobs match{nextCursor ? ' on this stretch; scan on for more' : ''}.</p>
        ) : null}
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={!cursor}
          onClick={() => {
            cursorTrail.current = [];
            goPage(undefined);
          }}
        >
          Newest
        </button>
        <button type="button" disabled={!cursor} onClick={() => goPage(cursorTrail.current.pop())}>
          Newer
        </button>
        <button
          type="button"
          disabled={!nextCursor}
          onClick={() => {
            if (cursor) cursorTrail.current.push(cursor);
            goPage(nextCursor);
          }}
        >
          Older
        </button>
      </nav>
    </main>
  );

  async function actOnMatchingRetryQueue() {
    const ok = await confirm({
      title: `Retry every failed job in ${filters.queue}?`,
      body: 'Every failed job of this queue goes back to pending with a fresh attempt budget, in batches.',
      confirmLabel: 'Retry all failed',
    });
    if (!ok) return;
    setBusy('retrying…');
    try {
      const outcome = await api.jobs.bulk('retry', { queue: filters.queue, state: ['failed'] });
      notify(`Retried ${formatCount(outcome.changed)} failed jobs in ${filters.queue}`);
    } catch (error) {
      notify(`Retry all failed: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(undefined);
      void load();
    }
  }
}

function describeFilters(filters: JobFilters): string {
  const parts: string[] = [];
  if (filters.states.length) parts.push(`state ${filters.states.join('/')}`);
  if (filters.queue) parts.push(`queue ${filters.queue}`);
  if (filters.task) parts.push(`task ${filters.task}`);
  if (filters.createdAfter || filters.createdBefore) parts.push('the time range');
  if (filters.metadata.length) parts.push('the metadata filters');
  if (filters.payload.length) parts.push('the payload filters');
  return parts.join(', ');
}
