/**
 * Where a command's output goes: one JSON document on stdout with `--json`, tables
 * otherwise; colour only on a TTY and never with `NO_COLOR` or `--no-color`; progress
 * and errors on stderr so stdout stays parseable.
 */
import Table from 'cli-table3';
import picocolors from 'picocolors';

/** A stream the CLI writes to (process.stdout, or a buffer in tests). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** The process around a CLI run. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Colour functions (identity when colour is off). */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** True when stdout may be coloured. */
export function colorEnabled(io: CliIo, colorFlag: boolean): boolean {
  if (!colorFlag) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true;
}

/** The output of one command. */
export class Output {
  readonly colors: Colors;

  constructor(
    readonly io: CliIo,
    /** `--json`: print one JSON document, nothing else on stdout. */
    readonly json: boolean,
    color: boolean,
    /** `--quiet`: no progress lines. */
    private readonly quiet = false,
  ) {
    this.colors = picocolors.createColors(color);
  }

  /** Prints one line on stdout (not in `--json` mode). */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** Prints the command's JSON document. */
  document(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints `value` as JSON in `--json` mode, else calls `human`. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.document(value);
    else human();
  }

  /** Prints a table with a header row. */
  table(head: string[], rows: (string | number)[][]): void {
    const table = new Table({
      head: head.map((title) => this.colors.bold(title)),
      style: { head: [], border: [], compact: true },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    for (const row of rows) table.push(row.map(String));
    this.line(table.toString());
  }

  /** Prints a two-column key/value table. */
  record(entries: [string, string][]): void {
    const table = new Table({ style: { head: [], border: [], compact: true } });
    for (const [key, value] of entries) table.push({ [this.colors.bold(key)]: value });
    this.line(table.toString());
  }

  /** A progress line on stderr: rewritten in place on a TTY, one line per update otherwise. */
  progress(text: string): void {
    if (this.quiet) return;
    if (this.io.stderr.isTTY) this.io.stderr.write(`\r\u001b[2K${text}`);
    else this.io.stderr.write(`${text}\n`);
  }

  /** Ends a progress line started on a TTY. */
  endProgress(): void {
    if (!this.quiet && this.io.stderr.isTTY) this.io.stderr.write('\n');
  }

  /** A note on stderr (hints, warnings), never mixed into stdout. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
