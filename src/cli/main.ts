// The `superfactory` command line. Each command's body lives in its own module; this file only wires flags.
import { Command } from 'commander';
import { CliInputError, formatCommanderError, runCommand } from './errors.js';
import { runEstimate } from './estimate-command.js';
import { runFabricShow, runFabricValidate } from './fabric-commands.js';
import { registerOpsCommands } from './jobs-commands.js';
import { registerServicesCommands } from './services.js';
import { registerInferenceCommands } from './inference.js';

const program = new Command();
program
  .name('superfactory')
  .description('Plan, simulate and operate AI training across GPU datacenters joined by an AI WAN.')
  .showHelpAfterError()
  .configureOutput({
    // Commander's messages in the CLI's `error: <field>: <message> (fix: <hint>)` format.
    outputError: (text, write) => write(formatCommanderError(text, commandPath(process.argv.slice(2)))),
  })
  .exitOverride((err) => {
    // Unknown flags and missing arguments are bad input: exit 2 like every other input error.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

const fabric = program.command('fabric').description('validate and inspect fabric files and presets');
fabric
  .command('validate')
  .argument('<file>', 'fabric YAML/JSON file or preset id')
  .description('check a fabric file; prints each problem with its field path and fix')
  .action((file: string) => runCommand(() => runFabricValidate(file)));
fabric
  .command('show')
  .argument('<id-or-file>', 'preset id or fabric file')
  .option('--json', 'print JSON')
  .description('GPUs, peak PFLOP/s and MW per site; WAN links with latency and capacity')
  .action((id: string, o: { json?: boolean }) => runCommand(() => runFabricShow(id, o.json ?? false)));

program
  .command('estimate')
  .description('step time, throughput, MFU and memory of one parallel plan')
  // Required options are checked in runEstimate, which names every missing one at once (commander stops at the first).
  .option('--model <id|file>', 'zoo model id or model JSON file (required)')
  .option('--fabric <id|file>', 'fabric preset or file (one pod of it is used)', 'dgx-h100-ib')
  .option('--gpus <n>', 'GPUs (required)')
  .option('--tp <n>', 'tensor parallel (required)')
  .option('--pp <n>', 'pipeline parallel (required)')
  .option('--dp <n>', 'data parallel (required)')
  .option('--cp <n>', 'context parallel')
  .option('--ep <n>', 'expert parallel')
  .option('--etp <n>', 'expert tensor parallel (MoE parallel folding; default: tp)')
  .option('--vpp <n>', 'virtual pipeline stages (interleaving)')
  .option('--mbs <n>', 'micro-batch size (required)')
  .option('--gbs <n>', 'global batch size (sequences) (required)')
  .option('--seq <n>', 'sequence length (default: the model)')
  .option('--recompute <mode>', 'none|selective|full', 'none')
  .option('--sequence-parallel', 'sequence parallelism with TP')
  .option('--zero <stage>', '0|1|2|3 (1 = distributed optimizer)', '1')
  .option('--precision <p>', 'bf16|fp8 (FP8: Hopper/Blackwell, Transformer Engine)', 'bf16')
  .option('--json', 'print one JSON object')
  .action((o) => runCommand(() => runEstimate(o)));

program
  .command('plan')
  .description('best parallel plans and site mappings for a model on a fabric, across sites over the AI WAN')
  .requiredOption('--model <id|file>', 'zoo model id or model JSON file')
  .option('--fabric <id|file>', 'fabric preset or file', 'fairwater')
  .option('--gpus <n>', 'GPU budget over all sites (default: all GPUs within power caps)')
  .option('--sites <a,b>', 'only these sites')
  .option('--allow <J,...>', 'allowed jurisdictions (ISO 3166-2, e.g. US-GA,US-WI)')
  .option('--tokens <n>', 'tokens to train (default: 20 per parameter)')
  .option('--gbs <n>', 'target global batch (sequences)')
  .option('--tokens-per-step <n>', 'target tokens per step (default 16M)')
  .option('--top <k>', 'plans to show', '5')
  .option('--diloco-h <n>', 'DiLoCo inner steps between outer synchronizations (default 100)')
  .option('--diloco-bits <n>', 'DiLoCo outer-gradient bits: 4, 8, 16 or 32 (default 4)')
  .option('--no-diloco-streaming', 'DiLoCo stops for each outer synchronization (no fragments overlapped with compute)')
  .option(
    '--diloco-efficiency <f>',
    'DiLoCo token efficiency vs synchronous training (default: law of replicas and model size, Charles et al. 2025)',
  )
  .option('--precision <p>', 'bf16|fp8|auto (auto: try FP8 where the GPU has it; default bf16)')
  .option('--json', 'print one JSON object')
  .action((o) =>
    runCommand(async () => {
      const { runPlan } = await import('./plan-commands.js');
      return runPlan(o);
    }),
  );

program
  .command('sweep')
  .description('best cross-site throughput over a grid of WAN capacity and latency (CSV + SVG heatmap)')
  .requiredOption('--model <id|file>', 'zoo model id or model JSON file')
  .option('--fabric <id|file>', 'fabric preset or file with two or more sites', 'fairwater')
  .requiredOption('--wan-gbps <list>', 'WAN capacities, Gb/s, comma-separated')
  .requiredOption('--wan-latency-ms <list>', 'one-way WAN latencies, ms, comma-separated')
  .option('--sites <a,b>', 'the sites to join (default: the first two)')
  .option('--gpus <n>', 'GPU budget')
  .option('--gbs <n>', 'target global batch (sequences)')
  .option('--tokens-per-step <n>', 'target tokens per step')
  .option('--precision <p>', 'bf16|fp8|auto (default bf16)')
  .option('--out <dir>', 'output folder', 'out/sweep')
  .option('--json', 'print one JSON object')
  .action((o) =>
    runCommand(async () => {
      const { runSweep } = await import('./plan-commands.js');
      return runSweep(o);
    }),
  );

program
  .command('overview')
  .description('validate a fabric and show the best plan of each zoo model on it')
  .option('--fabric <id|file>', 'fabric preset or file', 'fairwater')
  .option('--gpus <n>', 'GPU budget per job', '16384')
  .action((o: { fabric: string; gpus: string }) =>
    runCommand(async () => {
      const { fabricOverview } = await import('./overview.js');
      process.stdout.write(`${await fabricOverview(o.fabric, Number(o.gpus))}
`);
      return 0;
    }),
  );

const simulateFlags = (command: Command): Command =>
  command
    .option('--fabric <id|file>', 'fabric preset or file', 'fairwater')
    .option('--trace <file>', 'job trace file')
    .option('--trace-format <format>', 'philly | alibaba2023 | csv', 'philly')
    .option('--columns <map>', 'csv only: submit=COL,duration=COL,gpus=COL[,tenant=COL]')
    .option('--synthetic <spec>', 'synthetic workload instead of a trace: key=value,... or JSON')
    .option(
      '--workload <mix>',
      'workload mix instead of a trace: superfactory (data/workloads) or a file, NAME:key=value,...',
    )
    .option('--scenario <file>', 'scenario YAML/JSON: outages, WAN degradations, failure rates, quotas')
    .option('--seed <n>', 'seed of the simulation (failures)', '1')
    .option('--workload-seed <n>', 'seed of the workload (trace model assignment, synthetic jobs); default: --seed')
    .option('--json', 'print one JSON object')
    .option('--out <dir>', 'write summary.json, jobs.csv and SVG charts here')
    .option('--skip-bad-rows', 'drop malformed trace rows (listed) instead of stopping')
    .option('--limit <n>', 'only the first N jobs of the trace')
    .option('--horizon-days <d>', 'stop D days after the last submission')
    .option('--no-failures', 'no sampled failures (scenario events still apply)')
    .option('--sched-interval <s>', 'scheduling passes every S seconds instead of at every event');

simulateFlags(program.command('simulate').description('replay a workload on a fabric in the digital twin'))
  .option('--policy <p>', 'fifo | priority | fair-share | carbon-aware', 'fifo')
  .action((o) =>
    runCommand(async () => {
      const { runSimulate } = await import('./sim-commands.js');
      return runSimulate(o);
    }),
  );

simulateFlags(program.command('compare').description('the same inputs under several policies, side by side'))
  .option('--policies <list>', 'comma-separated policies', 'fifo,priority,fair-share,carbon-aware')
  .action((o) =>
    runCommand(async () => {
      const { runCompare } = await import('./sim-commands.js');
      return runCompare(o);
    }),
  );

program
  .command('start')
  .description(
    'the main job: validate the default fabric, show the zoo plans, and serve the control plane and dashboard',
  )
  .option('--port <n>', 'HTTP port (or PORT)', process.env.PORT ?? '8080')
  .option('--no-overview', 'skip the zoo plan table')
  .option('--reset-store', 'set the existing store aside (.reset-<time>) and start an empty one')
  .action((o: { port: string; overview: boolean; resetStore?: boolean }) =>
    runCommand(async () => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new CliInputError([
          { path: 'port', message: `--port must be 0-65535 (got "${o.port}")`, hint: 'pass --port 8080' },
        ]);
      }
      if (o.overview) {
        const { fabricOverview } = await import('./overview.js');
        process.stdout.write(`${await fabricOverview('fairwater', 16384)}\n\n`);
      }
      const { runStart } = await import('./serve-command.js');
      await runStart({ port, resetStore: o.resetStore === true });
      return new Promise<number>(() => undefined);
    }),
  );

program
  .command('serve')
  .description('run a real deployment from a config file (PostgreSQL store, Slurm sites)')
  .requiredOption('--config <file>', 'YAML config (see src/control/README.md)')
  .option('--reset-store', 'set the existing SQLite store aside (.reset-<time>) and start an empty one')
  .action((o: { config: string; resetStore?: boolean }) =>
    runCommand(async () => {
      const { runServe } = await import('./serve-command.js');
      await runServe({ config: o.config, resetStore: o.resetStore === true });
      return new Promise<number>(() => undefined);
    }),
  );

program
  .command('validate-perf')
  .description('predicted vs published training throughput; writes docs/validation.md')
  .option('--no-write', 'print only')
  .action((o: { write: boolean }) =>
    runCommand(async () => {
      const { runValidateCommand } = await import('./validate-command.js');
      return runValidateCommand(o.write);
    }),
  );

registerOpsCommands(program);
registerServicesCommands(program);
registerInferenceCommands(program);

/** The known command words at the front of argv (`fabric validate`), for the hints of commander's errors. */
function commandPath(args: string[]): string {
  const words: string[] = [];
  let at: Command = program;
  for (const arg of args) {
    const sub = at.commands.find((c) => c.name() === arg);
    if (!sub) break;
    words.push(arg);
    at = sub;
  }
  return words.join(' ');
}

await program.parseAsync(process.argv);
