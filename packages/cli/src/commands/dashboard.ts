/**
 * `switchyard dashboard`: the REST API (`@switchyard/http`) over the config's yard on a
 * standalone server, with the web dashboard beside it (`/dashboard`) when `@switchyard/dashboard` is
 * installed. Closed by default, like the API: tokens from a file, or `--no-auth` on purpose.
 */
import { readFile } from 'node:fs/promises';
import { type AuthOption, bearerTokens, serveApi, type TokenEntry } from '@switchyard/http';
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { firstLine } from '../config-loader.js';
import { remoteTarget } from '../context.js';
import { openDirectConnection } from '../direct-connection.js';
import { ExitCode, usageError } from '../exit-codes.js';
import { createCliLogger } from '../logger.js';
import { parseDurationOption, parseIntegerOption, parseJsonOption } from '../parse-options.js';

interface DashboardFlags {
  port: string;
  host: string;
  basePath: string;
  dashboardPath: string;
  tokensFile?: string;
  auth: boolean;
}

/** The `dashboard` command. */
export function dashboardCommand(kit: Kit): Command {
  const dashboard = new Command('dashboard')
    .description("serve the REST API and the web dashboard over the config's yard")
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '3000')
    .option('--host <host>', 'address to bind (0.0.0.0 exposes it)', '127.0.0.1')
    .option('--base-path <path>', 'where the API is served', '/api')
    .option('--dashboard-path <path>', 'where the web dashboard is served', '/dashboard')
    .option(
      '--tokens-file <file>',
      'JSON list of { name, role, tokenHash } (see docs/http-api.md, hashToken)',
    )
    .option('--no-auth', 'no authentication: every caller is admin (for a local machine only)')
    .action(
      action(kit, 'dashboard', async (ctx, flags: DashboardFlags) => {
        if (remoteTarget(ctx))
          throw usageError("dashboard serves the config's yard: use --config, not --url");
        const port = parseIntegerOption(flags.port, '--port', 0, 65_535);
        const auth = await authOption(flags);
        const logger = createCliLogger({
          format: ctx.io.stdout.isTTY ? 'pretty' : 'json',
          level: 'info',
          fd: 2,
          color: ctx.out.colors.isColorSupported,
        });
        const { yard } = await openDirectConnection({
          cwd: ctx.io.cwd,
          ...(ctx.globals.config !== undefined ? { configPath: ctx.globals.config } : {}),
          logger,
          command: 'dashboard',
          connectTimeoutMs: parseDurationOption(ctx.globals.connectTimeout, '--connect-timeout'),
        });
        const keepAlive = setInterval(() => {}, 1 << 30);
        try {
          const served = await serveApi(yard, {
            port,
            host: flags.host,
            basePath: flags.basePath,
            auth,
            logger,
            dashboard: { path: flags.dashboardPath },
          });
          const root = served.url.slice(0, served.url.length - flags.basePath.replace(/\/$/, '').length);
          const dashboardUrl = `${root}${flags.dashboardPath}`;
          ctx.out.result({ apiUrl: served.url, dashboardUrl }, () => {
            ctx.out.line(`API:       ${served.url}  (OpenAPI: ${served.url}/openapi.json)`);
            ctx.out.line(`dashboard: ${dashboardUrl}`);
            ctx.out.line('Ctrl-C to stop.');
          });
          const signal = await new Promise<NodeJS.Signals>((resolve) => {
            process.once('SIGTERM', resolve);
            process.once('SIGINT', resolve);
          });
          logger.info({ signal }, `stopping on ${signal}`);
          await served.close();
        } finally {
          clearInterval(keepAlive);
          await yard.close();
        }
        return ExitCode.ok;
      }),
    );
  return examples(
    dashboard,
    'switchyard dashboard --port 3000 --tokens-file ./api-tokens.json',
    'switchyard dashboard --no-auth   # local machine only',
  );
}

async function authOption(flags: DashboardFlags): Promise<AuthOption> {
  if (!flags.auth) {
    if (flags.tokensFile !== undefined) throw usageError('pass either --tokens-file or --no-auth, not both');
    return 'none';
  }
  if (flags.tokensFile === undefined) {
    throw usageError(
      'dashboard is closed by default: pass --tokens-file <file> (tokens with roles) or --no-auth',
    );
  }
  let text: string;
  try {
    text = await readFile(flags.tokensFile, 'utf8');
  } catch (error) {
    throw usageError(`--tokens-file ${flags.tokensFile}: ${firstLine(error)}`);
  }
  const entries = parseJsonOption(text, `--tokens-file ${flags.tokensFile}`) as TokenEntry[];
  try {
    return bearerTokens(entries);
  } catch (error) {
    throw usageError(`--tokens-file ${flags.tokensFile}: ${firstLine(error)}`);
  }
}
