// Wires the operating commands (jobs, sites, tokens, login) into the `superfactory` program. The bodies live
// in jobs.ts, jobs-logs.ts, sites.ts, tokens.ts and login.ts; each talks to a control plane over HTTP.
import type { Command } from 'commander';
import { remoteCommand } from './client.js';
import { CliInputError, runCommand } from './errors.js';

/** --server/--token/--profile/--json on a command that talks to a server. */
function remote(cmd: Command, json = true): Command {
  cmd
    .option('--server <url>', 'control-plane URL (else SUPERFACTORY_URL, else the login profile)')
    .option('--token <token>', 'API token (else SUPERFACTORY_TOKEN, else the login profile)')
    .option('--profile <name>', 'login profile to use (else SUPERFACTORY_PROFILE, else "default")');
  if (json) cmd.option('--json', 'print the API response as JSON');
  return cmd;
}

const run = (body: () => Promise<number | void>) => runCommand(() => remoteCommand(body));
const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * The words after `--` are the job's command. Commander hands them over mixed with the operands before
 * `--`, so they are split off by their count in argv.
 */
function splitOperands(operands: string[], argv: string[]): { file?: string; command: string[] } {
  const dd = argv.indexOf('--');
  const command = dd >= 0 ? argv.slice(dd + 1) : [];
  const before = operands.slice(0, operands.length - command.length);
  if (before.length > 1) {
    throw new CliInputError([
      {
        path: 'arguments',
        message: `unexpected argument "${before[1]}"`,
        hint: 'give at most one job file; put the command after --, e.g. jobs submit --gpus 1 -- python train.py',
      },
    ]);
  }
  if (dd >= 0 && command.length === 0) {
    throw new CliInputError([
      { path: 'command', message: 'nothing after --', hint: 'put the command to run after --, or leave -- out' },
    ]);
  }
  return { file: before[0], command };
}

/** `jobs submit`: a YAML job file and/or flags; the command after `--`. */
function registerSubmit(jobs: Command): void {
  remote(
    jobs
      .command('submit')
      .description('submit a job from a YAML job file and/or flags; the command goes after --')
      .argument('[file]', 'YAML job file: name, model, gpus or tokens, command, sites, jurisdictions, checkpointing')
      .argument('[command...]', 'after --: the command to run (argv)')
      .option('--name <name>', 'job name')
      .option('--model <id>', 'model zoo id, e.g. llama3-8b')
      .option('--gpus <n>', 'GPUs')
      .option('--tokens <n>', 'tokens to train (e.g. 1e12); with no --gpus the planner sizes the job')
      .option('--sites <a,b>', 'only these sites')
      .option('--jurisdictions <J,...>', 'allowed jurisdictions, e.g. US-GA,US-WI or US')
      .option('--checkpointing', 'the job checkpoints (it can be suspended, moved and preempted safely)')
      .option('--no-checkpointing', 'the job does not checkpoint')
      .option('--priority <n>', 'priority, -1000 to 1000 (larger first)')
      .option('--preemptible', 'the job may be preempted')
      .option('--deadline <iso>', 'deadline, ISO-8601 date-time')
      .option('--executor <kind>', 'local | slurm | twin: only sites with this executor')
      .option('--env <KEY=VALUE>', 'environment variable for the command (repeatable)', collect)
      .option('--idempotency-key <key>', 'retrying with the same key returns the same job instead of a new one'),
  ).action((first: string | undefined, rest: string[], o) =>
    run(async () => {
      const { runSubmit } = await import('./jobs.js');
      const operands = [...(first === undefined ? [] : [first]), ...rest];
      const { file, command } = splitOperands(operands, process.argv.slice(2));
      return runSubmit(file, command, o);
    }),
  );
}

function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('submit and operate jobs on a control plane (like sbatch/squeue)');
  registerSubmit(jobs);
  remote(
    jobs
      .command('list')
      .description('jobs, newest first (like squeue)')
      .option('--state <s,...>', 'only these states, e.g. running,queued')
      .option('--site <id>', 'only jobs placed on this site')
      .option('--tenant <id>', 'only this tenant (admins)')
      .option('--name <text>', 'only names containing this text')
      .option('--limit <n>', 'at most N jobs (default 50)')
      .option('--all', 'every job (all pages)'),
  ).action((o) =>
    run(async () => {
      const { runList } = await import('./jobs.js');
      return runList(o);
    }),
  );
  remote(
    jobs.command('show').description('one job: state, plan, placement, checkpoint').argument('<id>', 'job id'),
  ).action((id: string, o) =>
    run(async () => {
      const { runShow } = await import('./jobs.js');
      return runShow(id, o);
    }),
  );
  remote(
    jobs
      .command('logs')
      .description("the output of the job's current run")
      .argument('<id>', 'job id')
      .option('-f, --follow', 'keep printing new lines until the job ends')
      .option('--interval <s>', 'seconds between polls with -f (default 1)'),
  ).action((id: string, o) =>
    run(async () => {
      const { runLogs } = await import('./jobs-logs.js');
      return runLogs(id, o);
    }),
  );
  for (const verb of ['cancel', 'suspend', 'resume'] as const) {
    const what = {
      cancel: 'cancel jobs (like scancel)',
      suspend: 'suspend jobs (at their next checkpoint when they checkpoint)',
      resume: 'resume suspended jobs (from their latest checkpoint)',
    }[verb];
    remote(jobs.command(verb).description(what).argument('<ids...>', 'job ids')).action((ids: string[], o) =>
      run(async () => {
        const { runAction } = await import('./jobs.js');
        return runAction(verb, ids, o);
      }),
    );
  }
  remote(
    jobs
      .command('events')
      .description('transitions and other events of one job')
      .argument('<id>', 'job id')
      .option('-f, --follow', 'keep printing new events until the job ends (NDJSON with --json)')
      .option('--interval <s>', 'seconds between polls with -f (default 1)'),
  ).action((id: string, o) =>
    run(async () => {
      const { runEvents } = await import('./jobs.js');
      return runEvents(id, o);
    }),
  );
}

function registerSites(program: Command): void {
  // Flags live on the leaf commands (a parent's options would swallow its subcommands' --server), so the
  // plain `superfactory sites` is the default `list` subcommand.
  const sites = program.command('sites').description('sites of a control plane: status, drain, GPUs in use');
  remote(sites.command('list', { isDefault: true }).description('sites with status, drain and GPUs in use')).action(
    (o) =>
      run(async () => {
        const { runSites } = await import('./sites.js');
        return runSites(o);
      }),
  );
  for (const verb of ['drain', 'undrain'] as const) {
    remote(
      sites
        .command(verb)
        .description(
          verb === 'drain'
            ? 'no new jobs on a site; running ones move at their next checkpoint (admin)'
            : 'let a drained site take jobs again (admin)',
        )
        .argument('<id>', 'site id'),
    ).action((id: string, o) =>
      run(async () => {
        const { runDrain } = await import('./sites.js');
        return runDrain(id, verb === 'drain', o);
      }),
    );
  }
}

function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('API tokens of tenants (admin)');
  remote(
    tokens
      .command('create')
      .description('issue a token; prints the secret once')
      .requiredOption('--tenant <id>', 'the tenant the token acts for')
      .option('--role <role>', 'admin | member | viewer (default member)')
      .option('--name <name>', 'a label, e.g. the person or robot using it'),
  ).action((o) =>
    run(async () => {
      const { runTokenCreate } = await import('./tokens.js');
      return runTokenCreate(o);
    }),
  );
  remote(
    tokens
      .command('list')
      .description('tokens (never their secrets)')
      .option('--tenant <id>', 'this tenant (default: the token’s own)'),
  ).action((o) =>
    run(async () => {
      const { runTokenList } = await import('./tokens.js');
      return runTokenList(o);
    }),
  );
  remote(
    tokens
      .command('revoke')
      .description('revoke tokens: they stop working at once')
      .argument('<ids...>', 'token ids')
      .option('--tenant <id>', 'the tokens’ tenant (default: the token’s own)'),
  ).action((ids: string[], o) =>
    run(async () => {
      const { runTokenRevoke } = await import('./tokens.js');
      return runTokenRevoke(ids, o);
    }),
  );
}

function registerLogin(program: Command): void {
  program
    .command('login')
    .description('check a token against a server and save both in a profile (mode 0600)')
    .argument('<url>', 'control-plane URL, e.g. http://localhost:8080')
    .option('--token <token>', 'API token (else SUPERFACTORY_TOKEN, else read from stdin)')
    .option('--profile <name>', 'profile name (default "default")')
    .option('--json', 'print the saved profile (without the token) as JSON')
    .action((url: string, o) =>
      run(async () => {
        const { runLogin } = await import('./login.js');
        return runLogin(url, o);
      }),
    );
}

/** Adds jobs, sites, tokens and login to the program. */
export function registerOpsCommands(program: Command): void {
  registerJobs(program);
  registerSites(program);
  registerTokens(program);
  registerLogin(program);
}
