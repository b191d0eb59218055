/** One task: its settings, its payload schema, and (for operators) an enqueue form built from it. */
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { JsonView } from '../components/JsonView.tsx';
import { useApp } from '../context.ts';
import { formatDuration } from '../format.ts';
import { useLoader } from '../hooks.ts';
import { formatRoute, jobLink, jobsLink } from '../router.ts';
import { type FormField, formFromSchema, payloadFromForm } from '../schema-form.ts';
import type { TaskInfo } from '../types.ts';
import { describeBackoff } from './Tasks.tsx';

/** The task view. */
export function Task({ name }: { name: string }) {
  const { api, can } = useApp();
  const tasks = useLoader(() => api.tasks.list(), [api]);
  const task = tasks.data?.find((entry) => entry.name === name);
  if (tasks.error)
    return (
      <main>
        <p class="error-text" role="alert">
          Could not load tasks: {tasks.error.message}
        </p>
      </main>
    );
  if (!tasks.data)
    return (
      <main>
        <p class="muted">Loading…</p>
      </main>
    );
  if (!task)
    return (
      <main>
        <h1>{name}</h1>
        <p class="error-text" role="alert">
          No task of that name is registered with this API's yard.
        </p>
        <a href={formatRoute('tasks')}>All tasks</a>
      </main>
    );
  return (
    <main>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={formatRoute('tasks')}>Tasks</a> › {task.name}
      </nav>
      <h1>{task.name}</h1>
      <dl class="facts">
        <dt>Queue</dt>
        <dd>
          <a href={jobsLink({ queue: task.queue })}>{task.queue}</a>
        </dd>
        <dt>Priority</dt>
        <dd>{task.priority}</dd>
        <dt>Attempts</dt>
        <dd>{task.attempts ?? 'unlimited'}</dd>
        <dt>Backoff</dt>
        <dd>{describeBackoff(task.backoff)}</dd>
        <dt>Timeout</dt>
        <dd>{formatDuration(task.timeoutMs)}</dd>
        <dt>Jobs</dt>
        <dd>
          <a href={jobsLink({ task: task.name })}>all jobs of this task</a>
        </dd>
      </dl>
      {can('enqueue') ? <EnqueueForm task={task} /> : null}
      <section aria-label="Payload schema">
        <h2>Payload schema</h2>
        {task.payloadSchema ? (
          <JsonView value={task.payloadSchema} label="Payload JSON Schema" />
        ) : (
          <p class="muted">This task has no schema the API can describe; its payload is any JSON.</p>
        )}
      </section>
    </main>
  );
}

function FieldInput({
  field,
  value,
  onInput,
}: {
  field: FormField;
  value: string;
  onInput: (value: string) => void;
}) {
  const id = `field-${field.name}`;
  const describedBy = field.description ? `${id}-help` : undefined;
  const common = { id, name: field.name, required: field.required, 'aria-describedby': describedBy };
  let input: JSX.Element;
  if (field.kind === 'boolean') {
    input = (
      <input
        type="checkbox"
        {...common}
        required={false}
        checked={value === 'true'}
        onChange={(event) => onInput(event.currentTarget.checked ? 'true' : 'false')}
      />
    );
  } else if (field.kind === 'select') {
    input = (
      <select {...common} value={value} onChange={(event) => onInput(event.currentTarget.value)}>
        {field.required ? null : <option value="">—</option>}
        {field.options!.map((option) => (
          <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
            {typeof option === 'string' ? option : JSON.stringify(option)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'json') {
    input = (
      <textarea
        {...common}
        rows={4}
        class="mono"
        value={value}
        placeholder="JSON"
        onInput={(event) => onInput(event.currentTarget.value)}
      />
    );
  } else {
    input =
      field.kind === 'number' || field.kind === 'integer' ? (
        <input
          {...common}
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          min={field.constraints.minimum}
          max={field.constraints.maximum}
          value={value}
          onInput={(event) => onInput(event.currentTarget.value)}
        />
      ) : (
        <input
          {...common}
          type="text"
          minLength={field.constraints.minLength as number | undefined}
          maxLength={field.constraints.maxLength as number | undefined}
          value={value}
          onInput={(event) => onInput(event.currentTarget.value)}
        />
      );
  }
  return (
    <div class={`field field-${field.kind}`}>
      <label for={id}>
        {field.name}
        {field.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {input}
      {field.description ? (
        <small id={describedBy} class="muted">
          {field.description}
        </small>
      ) : null}
    </div>
  );
}

function EnqueueForm({ task }: { task: TaskInfo }) {
  const { api, notify } = useApp();
  const form = useMemo(() => formFromSchema(task.payloadSchema), [task]);
  const initial = useMemo(
    () =>
      form.kind === 'json'
        ? { $json: form.initial }
        : Object.fromEntries(form.fields.map((field) => [field.name, field.initial])),
    [form],
  );
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [delay, setDelay] = useState('');
  const [priority, setPriority] = useState('');
  const [uniqueKey, setUniqueKey] = useState('');
  const [error, setError] = useState<{ message: string; existing?: string; issues?: string[] } | undefined>(
    undefined,
  );
  const [created, setCreated] = useState<string | undefined>(undefined);
  const submit = async () => {
    setError(undefined);
    setCreated(undefined);
    const built = payloadFromForm(form, values);
    if ('error' in built) {
      setError({ message: built.error });
      return;
    }
    const options: Record<string, unknown> = {};
    if (delay.trim()) options.delay = /^\d+$/.test(delay.trim()) ? Number(delay.trim()) : delay.trim();
    if (priority.trim()) options.priority = Number(priority);
    if (uniqueKey.trim()) options.uniqueKey = uniqueKey.trim();
    try {
      const { id } = await api.jobs.enqueue(task.name, built.payload, options);
      setCreated(id);
      notify(`Enqueued ${task.name}: job ${id}`);
    } catch (failure) {
      const apiError = failure instanceof ApiError ? failure : undefined;
      const existing = apiError?.existingJobId;
      setError({
        message: (failure as Error).message,
        ...(existing ? { existing } : {}),
        ...(apiError?.issues
          ? { issues: apiError.issues.map((issue) => `${issue.path}: ${issue.message}`) }
          : {}),
      });
    }
  };
  return (
    <section aria-label="Enqueue a job">
      <h2>Enqueue a job</h2>
      <form
        class="enqueue"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {form.kind === 'fields' ? (
          form.fields.map((field) => (
            <FieldInput
              key={field.name}
              field={field}
              value={values[field.name] ?? ''}
              onInput={(value) => setValues({ ...values, [field.name]: value })}
            />
          ))
        ) : (
          <div class="field">
            <label for="field-json">Payload (JSON)</label>
            <textarea
              id="field-json"
              class="mono"
              rows={8}
              value={values.$json ?? ''}
              onInput={(event) => setValues({ $json: event.currentTarget.value })}
            />
          </div>
        )}
        <details>
          <summary>Options</summary>
          <div class="filter-row">
            <label>
              Delay
              <input
                name="delay"
                placeholder="e.g. 30s or 5000"
                value={delay}
                onInput={(event) => setDelay(event.currentTarget.value)}
              />
            </label>
            <label>
              Priority
              <input
                name="priority"
                type="number"
                min={0}
                max={9}
                value={priority}
                onInput={(event) => setPriority(event.currentTarget.value)}
              />
            </label>
            <label>
              Unique key
              <input
                name="uniqueKey"
                value={uniqueKey}
                onInput={(event) => setUniqueKey(event.currentTarget.value)}
              />
            </label>
          </div>
        </details>
        {error ? (
          <div class="error-text" role="alert">
            {error.message}
            {error.existing ? (
              <>
                {' '}
                — <a href={jobLink(error.existing)}>the existing job</a>
              </>
            ) : null}
            {error.issues ? (
              <ul>
                {error.issues.map((issue) => (
                  <li key={issue}>{issue}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {created ? (
          <p role="status">
            Enqueued:{' '}
            <a href={jobLink(created)} class="mono">
              {created}
            </a>
          </p>
        ) : null}
        <button type="submit" class="primary">
          Enqueue
        </button>
      </form>
    </section>
  );
}
