// The `superfactory` command line. Each command's body lives in its own module; this file only wires flags.
import { Command } from 'commander';
import { runCommand } from './errors.js';
import { runEstimate } from './estimate-command.js';
import { runFabricShow, runFabricValidate } from './fabric-commands.js';

const program = new Command();
program
  .name('superfactory')
  .description('Plan, simulate and operate AI training across GPU datacenters joined by an AI WAN.')
  .showHelpAfterError()
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
  .requiredOption('--model <id|file>', 'zoo model id or model JSON file')
  .option('--fabric <id|file>', 'fabric preset or file (one pod of it is used)', 'dgx-h100-ib')
  .requiredOption('--gpus <n>', 'GPUs')
  .requiredOption('--tp <n>', 'tensor parallel')
  .requiredOption('--pp <n>', 'pipeline parallel')
  .requiredOption('--dp <n>', 'data parallel')
  .option('--cp <n>', 'context parallel')
  .option('--ep <n>', 'expert parallel')
  .option('--vpp <n>', 'virtual pipeline stages (interleaving)')
  .requiredOption('--mbs <n>', 'micro-batch size')
  .requiredOption('--gbs <n>', 'global batch size (sequences)')
  .option('--seq <n>', 'sequence length (default: the model)')
  .option('--recompute <mode>', 'none|selective|full', 'none')
  .option('--sequence-parallel', 'sequence parallelism with TP')
  .option('--zero <stage>', '0|1|2|3 (1 = distributed optimizer)', '1')
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

await program.parseAsync(process.argv);
