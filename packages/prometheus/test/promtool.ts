/** Finds Prometheus's own binaries (Debian's `prometheus` package), failing with how to install them. */
import { spawn, spawnSync } from 'node:child_process';

/** The absolute path of `binary` on PATH; throws naming the apt package when it is missing. */
export function requireBinary(binary: 'promtool' | 'prometheus'): string {
  const found = spawnSync('/bin/sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      `${binary} is not installed: these tests need Prometheus's own tools. ` +
        'Install them with `apt-get install -y --no-install-recommends prometheus` (Debian/Ubuntu; .ci/run does this).',
    );
  }
  return path;
}

/** Runs `promtool check metrics` on exposition text; resolves with its exit code and output. */
export function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  const promtool = requireBinary('promtool');
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
