/** The jobs view's filter form; applying it rewrites the URL, so every filter has a deep link. */
import { useEffect, useState } from 'preact/hooks';
import type { JobFilters } from '../job-filters.ts';
import { JOB_STATES } from '../types.ts';

function PairsEditor({
  legend,
  prefix,
  pairs,
  onChange,
  valueHint,
}: {
  legend: string;
  prefix: string;
  pairs: [string, string][];
  onChange: (pairs: [string, string][]) => void;
  valueHint: string;
}) {
  return (
    <fieldset class="pairs">
      <legend>{legend}</legend>
      {pairs.map(([key, value], index) => (
        <div class="pair" key={index}>
          <label>
            <span class="sr-only">
              {legend} key {index + 1}
            </span>
            <input
              id={`${prefix}-key-${index}`}
              placeholder="key"
              value={key}
              onInput={(event) =>
                onChange(
                  pairs.map((pair, at) => (at === index ? [event.currentTarget.value, pair[1]] : pair)),
                )
              }
            />
          </label>
          <span aria-hidden="true">=</span>
          <label>
            <span class="sr-only">
              {legend} value {index + 1}
            </span>
            <input
              id={`${prefix}-value-${index}`}
              placeholder={valueHint}
              value={value}
              onInput={(event) =>
                onChange(
                  pairs.map((pair, at) => (at === index ? [pair[0], event.currentTarget.value] : pair)),
                )
              }
            />
          </label>
          <button type="button" class="link" onClick={() => onChange(pairs.filter((_, at) => at !== index))}>
            Remove
            <span class="sr-only">
              {' '}
              {legend} filter {index + 1}
            </span>
          </button>
        </div>
      ))}
      <button type="button" class="link" onClick={() => onChange([...pairs, ['', '']])}>
        + {legend} filter
      </button>
    </fieldset>
  );
}

/** Edits filters; `onApply` receives them. */
export function JobFiltersForm({
  filters,
  queues,
  tasks,
  onApply,
}: {
  filters: JobFilters;
  queues: string[];
  tasks: string[];
  onApply: (filters: JobFilters) => void;
}) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (patch: Partial<JobFilters>) => setDraft({ ...draft, ...patch });
  return (
    <form
      class="filters"
      aria-label="Job filters"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <fieldset class="states">
        <legend>State</legend>
        {JOB_STATES.map((state) => (
          <label key={state} class={`chip state-${state}`}>
            <input
              type="checkbox"
              name="state"
              value={state}
              checked={draft.states.includes(state)}
              onChange={(event) =>
                set({
                  states: event.currentTarget.checked
                    ? [...draft.states, state]
                    : draft.states.filter((entry) => entry !== state),
                })
              }
            />
            {state}
          </label>
        ))}
      </fieldset>
      <div class="filter-row">
        <label>
          Queue
          <input
            list="queue-names"
            name="queue"
            value={draft.queue}
            onInput={(event) => set({ queue: event.currentTarget.value })}
          />
          <datalist id="queue-names">
            {queues.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <label>
          Task
          <input
            list="task-names"
            name="task"
            value={draft.task}
            onInput={(event) => set({ task: event.currentTarget.value })}
          />
          <datalist id="task-names">
            {tasks.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <label>
          Created after
          <input
            type="datetime-local"
            step="1"
            name="after"
            value={draft.createdAfter}
            onInput={(event) => set({ createdAfter: event.currentTarget.value })}
          />
        </label>
        <label>
          Created before
          <input
            type="datetime-local"
            step="1"
            name="before"
            value={draft.createdBefore}
            onInput={(event) => set({ createdBefore: event.currentTarget.value })}
          />
        </label>
      </div>
      <div class="filter-row">
        <PairsEditor
          legend="Metadata"
          prefix="meta"
          pairs={draft.metadata}
          onChange={(metadata) => set({ metadata })}
          valueHint="value"
        />
        <PairsEditor
          legend="Payload"
          prefix="payload"
          pairs={draft.payload}
          onChange={(payload) => set({ payload })}
          valueHint='JSON or text, e.g. 42, "pro"'
        />
      </div>
      <div class="filter-actions">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() =>
            onApply({
              states: [],
              queue: '',
              task: '',
              createdAfter: '',
              createdBefore: '',
              metadata: [],
              payload: [],
            })
          }
        >
          Clear
        </button>
      </div>
    </form>
  );
}
