/**
 * The changeset check on real git repositories made in a temporary folder (commits on main, a
 * release, merged branches, a clean clone, a feature branch, a detached checkout with
 * CHANGESET_BASE, broken changeset files), and its rule on plain data.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkChangesets, findUncovered, matchesPatterns, parseChangeset } from '../check-changesets.mjs';

const PATTERNS = ['**', '!test/**', '!**/*.test.ts', '!vitest.config.ts', '!CHANGELOG.md'];
const made: string[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}
function commit(root: string, message: string): void {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
}
function manifest(name: string, version: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ name, version, ...extra }, null, 2)}\n`;
}
function changeset(...names: string[]): string {
  return `---\n${names.map((name) => `"${name}": patch`).join('\n')}\n---\n\nA change.\n`;
}
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changesets-check-'));
  made.push(dir);
  return dir;
}

/** A repository on `main` with a publishable package (@t/a, with its changeset) and a private one. */
function newRepo(): string {
  const root = tempDir();
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.email', 'test@example.com');
  git(root, 'config', 'user.name', 'test');
  write(
    root,
    '.changeset/config.json',
    JSON.stringify({ baseBranch: 'main', changedFilePatterns: PATTERNS }),
  );
  write(root, 'packages/a/package.json', manifest('@t/a', '0.1.0'));
  write(root, 'packages/a/src/index.ts', 'export const a = 1;\n');
  write(root, 'packages/internal/package.json', manifest('@t/internal', '0.0.0', { private: true }));
  write(root, '.changeset/first.md', changeset('@t/a'));
  commit(root, 'initial');
  return root;
}

/** What `changeset version` does: bump the version, write the changelog, delete the changesets. */
function release(root: string, version: string): void {
  write(root, 'packages/a/package.json', manifest('@t/a', version));
  write(root, 'packages/a/CHANGELOG.md', `# @t/a\n\n## ${version}\n`);
  for (const file of fs.readdirSync(path.join(root, '.changeset'))) {
    if (file.endsWith('.md')) fs.rmSync(path.join(root, '.changeset', file));
  }
  commit(root, `version ${version}`);
}

const run = (cwd: string, env: Record<string, string> = {}) => checkChangesets({ cwd, env });
const head = (root: string) => git(root, 'rev-parse', 'HEAD').slice(0, 10);
const OK_A = "changesets: every changed package has a changeset (in main's history): @t/a";

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('check-changesets on main (each first-parent commit is a change)', () => {
  it('fails for a commit that changes a package without a changeset, and a follow-up changeset repairs it', () => {
    const root = newRepo();
    expect(run(root)).toEqual({ code: 0, out: [OK_A] });

    write(root, 'packages/a/src/index.ts', 'export const a = 2;\n');
    commit(root, 'change a');
    const result = run(root);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([
      `changesets: @t/a changed in commit ${head(root)} "change a" (packages/a/src/index.ts) and no changeset names it ` +
        'since: run `pnpm changeset` (or add .changeset/<name>.md with "@t/a": patch|minor|major)',
    ]);

    write(root, '.changeset/second.md', changeset('@t/a'));
    commit(root, 'add the changeset');
    expect(run(root)).toEqual({ code: 0, out: [OK_A] });
  });

  it('counts uncommitted and untracked work as one more change', () => {
    const root = newRepo();
    write(root, 'packages/a/src/index.ts', 'export const a = 3;\n');
    expect(run(root).out[0]).toContain('@t/a changed in the uncommitted work (packages/a/src/index.ts)');
    write(root, '.changeset/wip.md', changeset('@t/a'));
    expect(run(root).code).toBe(0);
  });

  it('does not count a release, test-only changes or private packages', () => {
    const root = newRepo();
    release(root, '0.2.0');
    expect(run(root).code).toBe(0);
    write(root, 'packages/a/test/a.test.ts', 'it("works", () => {});\n');
    write(root, 'packages/a/vitest.config.ts', 'export default {};\n');
    write(root, 'packages/internal/src/x.ts', 'export {};\n');
    commit(root, 'tests and a private package');
    expect(run(root).code).toBe(0);

    write(root, 'packages/a/src/index.ts', 'export const a = 4;\n');
    commit(root, 'change after the release');
    expect(run(root).out[0]).toContain(`@t/a changed in commit ${head(root)} "change after the release"`);
  });

  it('takes a merged branch as one change, and an empty changeset as "no release needed"', () => {
    const root = newRepo();
    git(root, 'checkout', '-q', '-b', 'feature');
    write(root, 'packages/a/src/index.ts', 'export const a = 5;\n');
    commit(root, 'feature: code');
    write(root, '.changeset/feature.md', changeset('@t/a'));
    commit(root, 'feature: changeset');
    git(root, 'checkout', '-q', 'main');
    git(root, 'merge', '-q', '--no-ff', 'feature', '-m', 'Merge feature');
    expect(run(root)).toEqual({ code: 0, out: [OK_A] });

    git(root, 'checkout', '-q', '-b', 'refactor');
    write(root, 'packages/a/src/index.ts', 'export const a = 6;\n');
    commit(root, 'refactor');
    git(root, 'checkout', '-q', 'main');
    git(root, 'merge', '-q', '--no-ff', 'refactor', '-m', 'Merge refactor');
    expect(run(root).out[0]).toContain(`@t/a changed in commit ${head(root)} "Merge refactor"`);

    write(root, 'packages/a/src/index.ts', 'export const a = 7;\n');
    write(root, '.changeset/internal-only.md', '---\n---\n\nInternal refactor, no release.\n');
    commit(root, 'refactor with an empty changeset');
    expect(run(root).code).toBe(0);
  });

  it('behaves the same in a clean clone of main, where origin/main is HEAD', () => {
    const root = newRepo();
    write(root, 'packages/a/src/index.ts', 'export const a = 8;\n');
    commit(root, 'change without changeset');
    const clone = tempDir();
    git(clone, 'clone', '-q', root, '.');
    expect(run(clone).code).toBe(1);

    write(root, '.changeset/second.md', changeset('@t/a'));
    commit(root, 'add the changeset');
    git(clone, 'pull', '-q');
    expect(run(clone)).toEqual({ code: 0, out: [OK_A] });
  });
});

describe('check-changesets on a branch or with CHANGESET_BASE', () => {
  it('on a feature branch, needs a changeset added on the branch, not one already pending on main', () => {
    const root = newRepo();
    git(root, 'checkout', '-q', '-b', 'feature');
    write(root, 'packages/a/src/index.ts', 'export const a = 9;\n');
    commit(root, 'feature change');
    const result = run(root);
    expect(result.code).toBe(1);
    expect(result.out[0]).toContain('@t/a changed in the changes since main (packages/a/src/index.ts)');

    write(root, '.changeset/feature.md', changeset('@t/a')); // untracked still counts
    expect(run(root)).toEqual({
      code: 0,
      out: ['changesets: every changed package has a changeset (since the merge-base with main): @t/a'],
    });
  });

  it('uses CHANGESET_BASE in a detached checkout without a main branch', () => {
    const root = newRepo();
    const base = git(root, 'rev-parse', 'HEAD');
    write(root, 'packages/a/src/index.ts', 'export const a = 10;\n');
    commit(root, 'change');
    git(root, 'checkout', '-q', '--detach');
    git(root, 'branch', '-q', '-D', 'main');

    const result = run(root, { CHANGESET_BASE: base });
    expect(result.code).toBe(1);
    expect(result.out[0]).toContain(`@t/a changed in the changes since ${base}`);
    expect(run(root, { CHANGESET_BASE: 'no-such-ref' }).out).toEqual([
      'changesets: CHANGESET_BASE=no-such-ref is not a commit this checkout has (fetch it first)',
    ]);
  });

  it('refuses a changeset it cannot read or one that names an unknown package', () => {
    const root = newRepo();
    write(root, '.changeset/bad.md', '---\n"@t/a": huge\n---\n\ntext\n');
    expect(run(root).out).toEqual([
      'changesets: .changeset/bad.md: cannot read ""@t/a": huge" (expected "name": patch|minor|major)',
    ]);
    write(root, '.changeset/bad.md', changeset('@t/nope'));
    expect(run(root).out).toEqual([
      'changesets: .changeset/bad.md: names "@t/nope", which is not a publishable package of this repository',
    ]);
  });
});

describe('findUncovered (the rule, on plain data)', () => {
  const pkg = { dir: 'packages/a', name: '@t/a' };
  type Landing = { label: string; files: string[]; changesets?: string[][]; release?: boolean };
  const decide = (landings: Landing[]) =>
    findUncovered({
      packages: [pkg],
      landings,
      patterns: PATTERNS,
      changesetsOf: (landing: Landing) => landing.changesets ?? [],
      isRelease: (landing: Landing) => landing.release === true,
    }).uncovered.map((entry: { landing: Landing }) => entry.landing.label);
  const code = (label: string): Landing => ({ label, files: ['packages/a/src/x.ts'] });
  const named = (label: string, names: string[]): Landing => ({ label, files: [], changesets: [names] });

  it.each<[string, Landing[], string[]]>([
    ['nothing changed', [{ label: '1', files: ['README.md'] }], []],
    ['change and changeset together', [{ ...code('1'), changesets: [['@t/a']] }], []],
    ['a later changeset covers the change', [code('1'), named('2', ['@t/a'])], []],
    ['a changeset before the change does not', [named('1', ['@t/a']), code('2')], ['2']],
    ['a changeset for another package does not', [{ ...code('1'), changesets: [['@t/b']] }], ['1']],
    ['an empty changeset in the same change covers it', [{ ...code('1'), changesets: [[]] }], []],
    ['a later empty changeset does not', [code('1'), named('2', [])], ['1']],
    [
      'a release is not a change',
      [
        { ...code('1'), changesets: [['@t/a']] },
        { ...code('2'), release: true },
      ],
      [],
    ],
    ['only the latest change matters', [code('1'), { ...code('2'), changesets: [['@t/a']] }], []],
    ['a test-only change is not a change', [{ label: '1', files: ['packages/a/test/x.test.ts'] }], []],
  ])('%s', (_title, landings, expected) => {
    expect(decide(landings)).toEqual(expected);
  });
});

describe('matchesPatterns (changesets changedFilePatterns semantics)', () => {
  it.each([
    ['src/index.ts', true],
    ['package.json', true],
    ['README.md', true],
    ['src/deep/nested/file.ts', true],
    ['test/conformance.test.ts', false],
    ['test/fixtures/data.json', false],
    ['src/retry.test.ts', false],
    ['vitest.config.ts', false],
    ['CHANGELOG.md', false],
    ['docs/CHANGELOG.md', true],
  ])('%s counts: %s', (file, expected) => {
    expect(matchesPatterns(file, PATTERNS)).toBe(expected);
  });

  it('matches nothing without a positive pattern', () => {
    expect(matchesPatterns('src/index.ts', ['!test/**'])).toBe(false);
  });
});

describe('parseChangeset', () => {
  it.each([
    ['---\n"@switchyard/core": minor\n---\n\nText.\n', ['@switchyard/core']],
    ['---\n\'@a/b\': patch\n"c": major\n---\ntext', ['@a/b', 'c']],
    ['---\n---\n\nAn empty changeset.\n', []],
  ])('reads %j', (text, names) => {
    expect(parseChangeset(text, 'x.md')).toEqual(names);
  });

  it('refuses a file without front matter', () => {
    expect(() => parseChangeset('"@a/b": patch\n', 'x.md')).toThrow('x.md: no front matter');
  });
});
