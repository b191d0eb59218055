#!/usr/bin/env node
/**
 * Fails when a publishable package changed without a changeset that names it.
 *
 * Why not `changeset status`: it compares HEAD with its merge-base with `main`, which on a clone of
 * `main` (how CI runs) is HEAD itself, so nothing ever "changed"; and it fails only when changed
 * packages meet no changeset at all, not per package.
 *
 * The rule, per package: after the latest change to the package, a changeset naming it was added or
 * edited, in the same change or a later one. What a "change" is depends on where it runs:
 *   - CHANGESET_BASE=<ref> (CI on a pull request): the whole range since its merge-base with HEAD;
 *   - on a branch other than `main` (a contributor's checkout): the range since the merge-base with
 *     `main` or `origin/main`;
 *   - on `main` itself: each commit of main's first-parent history (a merge brings one branch as one
 *     change), plus the uncommitted work. A follow-up commit that adds the changeset repairs a change
 *     that landed without one.
 * Files that count are those matching `changedFilePatterns` in .changeset/config.json (tests do not).
 * A change that bumps the package's version is a release (`changeset version`), not a change. An empty
 * changeset (`pnpm changeset --empty`) says its change needs no release.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const BUMPS = new Set(['major', 'minor', 'patch', 'none']);
const WORKTREE = 'WORKTREE';
const lines = (text) => (text ? text.split('\n').filter(Boolean) : []);

/** Glob (with `**`, `*` and `?`) to a RegExp over '/'-separated paths relative to the package. */
export function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Same semantics as changesets' own `changedFilePatterns`: a later `!pattern` excludes earlier matches. */
export function matchesPatterns(file, patterns) {
  let passed = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const matches = globToRegExp(negated ? pattern.slice(1) : pattern).test(file);
    if (!passed && !negated && matches) passed = true;
    else if (passed && negated && matches) passed = false;
  }
  return passed;
}

/** The packages a changeset names, from its front matter (`"@scope/name": minor`); [] when empty. */
export function parseChangeset(text, file) {
  const match = /^---\r?\n([\s\S]*?)^---\s*$/m.exec(text);
  if (!match || !text.startsWith('---')) throw new Error(`${file}: no front matter (--- lines) found`);
  const names = [];
  for (const line of lines(match[1])) {
    if (line.trim() === '') continue;
    const entry = /^\s*(["']?)(@?[^"':\s]+)\1\s*:\s*(\w+)\s*$/.exec(line);
    if (!entry || !BUMPS.has(entry[3])) {
      throw new Error(`${file}: cannot read "${line.trim()}" (expected "name": patch|minor|major)`);
    }
    names.push(entry[2]);
  }
  return names;
}

/**
 * The packages whose latest change has no changeset at or after it. Pure: `landings` are oldest first,
 * each `{ label, files }`; `changesetsOf(landing)` lists the name lists of the changesets it added or
 * edited; `isRelease(landing, pkg)` says whether it bumped the package's version.
 */
export function findUncovered({ packages, landings, patterns, changesetsOf, isRelease }) {
  const uncovered = [];
  const covered = [];
  for (const pkg of packages) {
    const counted = (landing) =>
      landing.files
        .filter((file) => file.startsWith(`${pkg.dir}/`))
        .map((file) => file.slice(pkg.dir.length + 1))
        .filter((file) => matchesPatterns(file, patterns));
    let latest = -1;
    let files = [];
    for (let i = landings.length - 1; i >= 0 && latest < 0; i--) {
      files = counted(landings[i]);
      if (files.length > 0 && !isRelease(landings[i], pkg)) latest = i;
    }
    if (latest < 0) continue;
    const names = (i) => changesetsOf(landings[i]);
    const hasChangeset =
      names(latest).some((named) => named.length === 0) ||
      landings
        .slice(latest)
        .some((_, offset) => names(latest + offset).some((named) => named.includes(pkg.name)));
    if (hasChangeset) covered.push(pkg.name);
    else uncovered.push({ pkg, landing: landings[latest], files });
  }
  return { covered, uncovered };
}

/** Runs the check in the git work tree at `cwd`; returns the exit code and the lines to print. */
export function checkChangesets({ cwd = process.cwd(), env = process.env } = {}) {
  const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' }).trim();
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).replace(/\n$/, '');
  const gitOrNull = (...args) => {
    try {
      return git(...args);
    } catch {
      return null; // the ref does not exist in this checkout (e.g. no `main` in a detached clone)
    }
  };
  const emptyTree = git('hash-object', '-t', 'tree', '/dev/null');
  const isChangesetFile = (file) => /^\.changeset\/[^/]+\.md$/.test(file) && file !== '.changeset/README.md';

  const config = JSON.parse(fs.readFileSync(path.join(root, '.changeset/config.json'), 'utf8'));
  const patterns = config.changedFilePatterns ?? ['**'];
  const ignored = new Set(config.ignore ?? []);
  const baseBranch = config.baseBranch ?? 'main';
  const packages = fs
    .readdirSync(path.join(root, 'packages'))
    .map((name) => `packages/${name}`)
    .filter((dir) => fs.existsSync(path.join(root, dir, 'package.json')))
    .map((dir) => ({ dir, ...JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')) }))
    .filter((manifest) => manifest.private !== true && !ignored.has(manifest.name))
    .map(({ dir, name }) => ({ dir, name }));
  const known = new Set(packages.map((pkg) => pkg.name));

  const untracked = () => lines(git('ls-files', '--others', '--exclude-standard'));
  /** Uncommitted work as one change: tracked edits against `from` plus untracked files. */
  const worktreeLanding = (from, label) => ({
    from,
    to: WORKTREE,
    label,
    files: [...lines(git('diff', '--name-only', '--no-renames', from)), ...untracked()],
  });

  /** main's first-parent history, oldest first, each commit with the files it changed against its first parent. */
  function firstParentLandings() {
    const log = git(
      'log',
      '--first-parent',
      '-m',
      '--name-only',
      '--no-renames',
      '--format=%x1e%H%x1f%P%x1f%s',
    );
    return log
      .split('\x1e')
      .filter(Boolean)
      .map((record) => {
        const [header, ...rest] = record.split('\n');
        const [sha, parents, subject] = header.split('\x1f');
        const from = parents ? parents.split(' ')[0] : emptyTree;
        return {
          from,
          to: sha,
          label: `commit ${sha.slice(0, 10)} "${subject}"`,
          files: rest.filter(Boolean),
        };
      })
      .reverse();
  }

  function landings() {
    const explicit = env.CHANGESET_BASE;
    if (explicit) {
      const base = gitOrNull('merge-base', explicit, 'HEAD');
      if (!base)
        throw new Error(`CHANGESET_BASE=${explicit} is not a commit this checkout has (fetch it first)`);
      return {
        mode: `since CHANGESET_BASE ${explicit}`,
        list: [worktreeLanding(base, `the changes since ${explicit}`)],
      };
    }
    if (gitOrNull('symbolic-ref', '--quiet', '--short', 'HEAD') !== baseBranch) {
      for (const ref of [baseBranch, `origin/${baseBranch}`]) {
        const base = gitOrNull('merge-base', ref, 'HEAD');
        if (base)
          return {
            mode: `since the merge-base with ${ref}`,
            list: [worktreeLanding(base, `the changes since ${ref}`)],
          };
      }
    }
    if (gitOrNull('rev-parse', '--verify', '--quiet', 'HEAD') === null) {
      return { mode: 'in the uncommitted work', list: [worktreeLanding(emptyTree, 'the uncommitted work')] };
    }
    return {
      mode: `in ${baseBranch}'s history`,
      list: [...firstParentLandings(), worktreeLanding('HEAD', 'the uncommitted work')],
    };
  }

  const read = (landing, file) =>
    landing.to === WORKTREE
      ? fs.readFileSync(path.join(root, file), 'utf8')
      : git('show', `${landing.to}:${file}`);
  const changesetCache = new Map();
  function changesetsOf(landing) {
    if (!changesetCache.has(landing)) {
      const present = landing.to === WORKTREE ? (file) => fs.existsSync(path.join(root, file)) : () => true;
      const added = landing.files.filter((file) => isChangesetFile(file) && present(file));
      // A commit that deleted a changeset lists it too; `git show` then fails, and it names nothing.
      const named = added.flatMap((file) => {
        const text =
          landing.to === WORKTREE ? read(landing, file) : gitOrNull('show', `${landing.to}:${file}`);
        return text === null ? [] : [parseChangeset(text, file)];
      });
      changesetCache.set(landing, named);
    }
    return changesetCache.get(landing);
  }
  function isRelease(landing, pkg) {
    const manifest = `${pkg.dir}/package.json`;
    if (!landing.files.includes(manifest)) return false;
    const diff =
      landing.to === WORKTREE
        ? git('diff', '--unified=0', landing.from, '--', manifest)
        : git('diff', '--unified=0', landing.from, landing.to, '--', manifest);
    // A changed version has its old line removed and its new one added; a new package.json only adds.
    return /^-\s*"version"\s*:/m.test(diff) && /^\+\s*"version"\s*:/m.test(diff);
  }

  const out = [];
  try {
    // Every pending changeset must parse and name real packages, whatever the mode.
    for (const file of fs.readdirSync(path.join(root, '.changeset')).map((name) => `.changeset/${name}`)) {
      if (!isChangesetFile(file)) continue;
      for (const name of parseChangeset(fs.readFileSync(path.join(root, file), 'utf8'), file)) {
        if (!known.has(name) && !ignored.has(name)) {
          throw new Error(`${file}: names "${name}", which is not a publishable package of this repository`);
        }
      }
    }
    const { mode, list } = landings();
    const { covered, uncovered } = findUncovered({
      packages,
      landings: list,
      patterns,
      changesetsOf,
      isRelease,
    });
    for (const { pkg, landing, files } of uncovered) {
      const shown = files.slice(0, 3).map((file) => `${pkg.dir}/${file}`);
      const more = files.length > 3 ? ` and ${files.length - 3} more` : '';
      out.push(
        `changesets: ${pkg.name} changed in ${landing.label} (${shown.join(', ')}${more}) and no changeset ` +
          `names it since: run \`pnpm changeset\` (or add .changeset/<name>.md with "${pkg.name}": patch|minor|major)`,
      );
    }
    if (uncovered.length > 0) return { code: 1, out };
    out.push(
      covered.length === 0
        ? `changesets: no package changed ${mode}`
        : `changesets: every changed package has a changeset (${mode}): ${covered.join(', ')}`,
    );
    return { code: 0, out };
  } catch (error) {
    out.push(`changesets: ${error.message}`);
    return { code: 1, out };
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { code, out } = checkChangesets();
  for (const line of out) (code === 0 ? console.log : console.error)(line);
  process.exitCode = code;
}
