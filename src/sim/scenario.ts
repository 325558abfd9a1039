// Scenario files: scripted outages, WAN degradations, drains and power caps, failure-rate
// overrides, tenant quotas and the calendar start. YAML or JSON, validated with zod; bad input
// comes back as {path, message, hint} issues.
import YAML from 'yaml';
import { z } from 'zod';
import { zodIssues } from '../core/issues.js';
import type { InputIssue } from '../fabric/types.js';
import { DEFAULT_RESTART } from './restart.js';

/**
 * Llama 3 405B pre-training: 419 unexpected interruptions in 54 days on 16,384 H100 GPUs
 * (Meta, "The Llama 3 Herd of Models", arXiv 2407.21783, Table 5):
 * 419 / (16,384 x 54 x 24 GPU-hours) = 1.97e-5 failures per GPU-hour.
 */
export const LLAMA3_FAILURES_PER_GPU_HOUR = 419 / (16_384 * 54 * 24);

/**
 * Split of failures by blast radius. ASSUMPTION derived from Llama 3 Table 5: GPU-category rows
 * (faulty GPU, HBM3, SRAM, GSP, SDC, thermal: 268 of 419 = 64%) take one GPU out; host, network
 * and maintenance rows (35%) take a node; we reserve 1% for rack-level events (power shelf,
 * NVLink switch tray), which the table does not separate.
 */
export const DEFAULT_FAILURE_MIX = { gpu: 0.64, node: 0.35, rack: 0.01 };
/** ASSUMPTION: time to swap/repair (no published figure): GPU 4 h, node 8 h, rack 24 h. */
export const DEFAULT_REPAIR_HOURS = { gpu: 4, node: 8, rack: 24 };

const timeRe = /^\s*(?:day\s+(\d+)(?:\s+(\d{1,2}):(\d{2}))?|(\d+(?:\.\d+)?)\s*(s|m|h|d|w))\s*$/i;

/**
 * Scenario times, relative to simulation start: a number of seconds, "36h", "2d", "1w", or
 * "day N HH:MM" (day 0 is the first day, so "day 3 02:00" is 3 x 24 + 2 hours in).
 */
export function parseScenarioTime(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  const m = timeRe.exec(v);
  if (!m) return null;
  if (m[1] !== undefined) return Number(m[1]) * 86_400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60;
  const n = Number(m[4]);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[5].toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'];
  return n * unit;
}

const timeSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const t = parseScenarioTime(v);
  if (t === null) {
    ctx.addIssue({ code: 'custom', message: `cannot read time "${v}"` });
    return z.NEVER;
  }
  return t;
});

const windowShape = { from: timeSchema, to: timeSchema };

const eventSchema = z.union([
  z.object({ site: z.string(), down: z.object(windowShape).strict() }).strict(),
  z.object({ site: z.string(), drain: z.object(windowShape).strict() }).strict(),
  z.object({ site: z.string(), powerCapMW: z.number().positive(), ...windowShape }).strict(),
  z.object({ wan: z.string(), capacity: z.number().min(0).max(1), ...windowShape }).strict(),
  /** A straggler site: its parts' step time x `straggler` (>= 1) in the window (src/sim/engine/stragglers.ts). */
  z.object({ site: z.string(), straggler: z.number().min(1), ...windowShape }).strict(),
]);

export const scenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    description: z.string().optional(),
    /** ISO date in 2022 that simulation time 0 maps to in the carbon/price series (default 2022-01-01). */
    start: z.string().default('2022-01-01T00:00:00Z'),
    failures: z
      .object({
        enabled: z.boolean().default(true),
        perGpuHour: z.number().nonnegative().default(LLAMA3_FAILURES_PER_GPU_HOUR),
        mix: z
          .object({ gpu: z.number().nonnegative(), node: z.number().nonnegative(), rack: z.number().nonnegative() })
          .default(DEFAULT_FAILURE_MIX),
        repairHours: z
          .object({ gpu: z.number().positive(), node: z.number().positive(), rack: z.number().positive() })
          .default(DEFAULT_REPAIR_HOURS),
        /** Whole-site failures per site-year (default 0: no public rate). */
        sitePerYear: z.number().nonnegative().default(0),
        siteRepairHours: z.number().positive().default(6),
      })
      .strict()
      .default({
        enabled: true,
        perGpuHour: LLAMA3_FAILURES_PER_GPU_HOUR,
        mix: DEFAULT_FAILURE_MIX,
        repairHours: DEFAULT_REPAIR_HOURS,
        sitePerYear: 0,
        siteRepairHours: 6,
      }),
    /**
     * Checkpoint interval (s) of every checkpointable job that does not set its own; absent: Young/Daly from the job's
     * checkpoint write time and failure rate (core/progress.ts), the interval that loses the least.
     */
    checkpointIntervalS: z.number().positive().optional(),
    /** Locality wait (s) of the scheduler (sched RoundOptions.localityWaitS); 0: none. */
    localityWaitS: z.number().nonnegative().default(0),
    /** What a restart costs (s); defaults and sources in restart.ts. */
    restart: z
      .object({
        detectionS: z.number().nonnegative().default(DEFAULT_RESTART.detectionS),
        schedulingS: z.number().nonnegative().default(DEFAULT_RESTART.schedulingS),
        startBaseS: z.number().nonnegative().default(DEFAULT_RESTART.startBaseS),
        startPerLog2GpuS: z.number().nonnegative().default(DEFAULT_RESTART.startPerLog2GpuS),
        warmupS: z.number().nonnegative().default(DEFAULT_RESTART.warmupS),
      })
      .strict()
      .default(DEFAULT_RESTART),
    events: z.array(eventSchema).default([]),
    tenants: z
      .array(
        z
          .object({
            id: z.string(),
            quotaGpus: z.number().nonnegative(),
            cohort: z.string().optional(),
            borrowingLimitGpus: z.number().nonnegative().optional(),
            weight: z.number().positive().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioEvent = Scenario['events'][number];

export function defaultScenario(): Scenario {
  return scenarioSchema.parse({});
}

/** When a scenario event is in force, s: a site's down/drain window, or the event's own from/to. */
export function scenarioEventWindow(e: ScenarioEvent): { from: number; to: number } {
  const w = e as {
    from?: number;
    to?: number;
    down?: { from: number; to: number };
    drain?: { from: number; to: number };
  };
  return w.down ?? w.drain ?? { from: w.from!, to: w.to! };
}

export function parseScenario(input: unknown, source = 'scenario'): { scenario?: Scenario; issues: InputIssue[] } {
  const r = scenarioSchema.safeParse(input ?? {});
  if (r.success) {
    const issues: InputIssue[] = [];
    r.data.events.forEach((e, i) => {
      const win = scenarioEventWindow(e);
      if (win.to <= win.from)
        issues.push({
          path: `${source}: events[${i}]`,
          message: 'the window ends before it starts',
          hint: 'make "to" later than "from"',
        });
    });
    if (!/^2022-/.test(r.data.start) || Number.isNaN(Date.parse(r.data.start))) {
      issues.push({
        path: `${source}: start`,
        message: `"${r.data.start}" is not a 2022 date`,
        hint: 'the carbon and price series cover 2022: use e.g. 2022-06-01T00:00:00Z',
      });
    }
    return issues.length ? { issues } : { scenario: r.data, issues };
  }
  return {
    issues: zodIssues(r.error, {
      pathPrefix: `${source}: `,
      defaultHint: 'see data/scenarios/README.md for the scenario format',
    }),
  };
}

/** A scenario from the text of a YAML or JSON file (`file` names it in issues); the edge reads it (io.ts). */
export function parseScenarioText(text: string, file: string): { scenario?: Scenario; issues: InputIssue[] } {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    // One line: the YAML library's message continues with a drawing of the position.
    return {
      issues: [
        {
          path: '--scenario',
          message: `${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`,
          hint: 'fix the YAML syntax at the position given',
        },
      ],
    };
  }
  return parseScenario(raw, file);
}

/** Seconds from 2022-01-01T00:00Z to the scenario start. */
export function scenarioOffsetS(s: Scenario): number {
  return (Date.parse(s.start) - Date.UTC(2022, 0, 1)) / 1000;
}
