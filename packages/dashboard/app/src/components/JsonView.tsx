/**
 * Collapsible JSON. Small values render as a tree of <details>; a large one (many nodes or
 * characters) shows a cut preview with a "load all" button, so a huge result never
 * freezes the page.
 */
import { useMemo, useState } from 'preact/hooks';
import { countNodes, formatSize, previewJson } from '../json-text.ts';

/** Nodes a tree may have before the value is shown as cut text instead. */
const TREE_NODE_BUDGET = 1500;
/** Characters shown before "load all". */
const PREVIEW_CHARS = 20_000;

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span class="json-null">null</span>;
  if (typeof value === 'string') return <span class="json-string">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span class="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="json-boolean">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

function Node({ name, value, depth }: { name?: string; value: unknown; depth: number }) {
  const label = name === undefined ? null : <span class="json-key">{name}: </span>;
  if (value === null || typeof value !== 'object') {
    return (
      <div class="json-leaf">
        {label}
        <Scalar value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div class="json-leaf">
        {label}
        {brackets.join('')}
      </div>
    );
  }
  return (
    <details class="json-node" open={depth < 2}>
      <summary>
        {label}
        {brackets[0]}
        <span class="json-count">
          {entries.length} {Array.isArray(value) ? 'items' : 'keys'}
        </span>
        {brackets[1]}
      </summary>
      <div class="json-children">
        {entries.map(([key, child]) => (
          <Node key={key} name={key} value={child} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

/** Shows a JSON value; `label` names it for screen readers. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const [all, setAll] = useState(false);
  const large = useMemo(() => countNodes(value, TREE_NODE_BUDGET) >= TREE_NODE_BUDGET, [value]);
  const preview = useMemo(
    () => previewJson(value, all ? Number.POSITIVE_INFINITY : PREVIEW_CHARS),
    [value, all],
  );
  if (value === undefined) return <p class="muted">none</p>;
  if (!large && !preview.truncated) {
    return (
      <div class="json">
        <Node value={value} depth={0} />
      </div>
    );
  }
  return (
    <div class="json">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex lint/a11y/useSemanticElements: a scrollable <pre> must take keyboard focus (axe scrollable-region-focusable) and keep its formatting */}
      <pre class="json-text" tabIndex={0} role="region" aria-label={label}>
        {preview.text}
      </pre>
      {preview.truncated ? (
        <p class="muted">
          Showing {formatSize(PREVIEW_CHARS)} of {formatSize(preview.totalChars)}.{' '}
          <button type="button" class="link" onClick={() => setAll(true)}>
            Load all
          </button>
        </p>
      ) : null}
    </div>
  );
}
