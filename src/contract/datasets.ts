// A job's dataset replicas per site (POST /v1/jobs `datasets`): where the dataset folder lives, or must be staged,
// on each site. Before the job starts, every site of its placement whose folder is missing gets a copy from a site
// that has it (over the WAN link between their namespaces); the copy time is part of the job's start delay.
import { z } from 'zod';

export const DATASETS_MAX_SITES = 64;

export const DatasetsField = z
  .record(
    z.string().min(1).max(64),
    z
      .string()
      .max(4096)
      .regex(/^\/[^\0]*$/, 'an absolute path of a folder on that site (e.g. /data/corpus)'),
  )
  .refine((m) => Object.keys(m).length > 0, 'name at least one site with its dataset folder')
  .refine((m) => Object.keys(m).length <= DATASETS_MAX_SITES, `at most ${DATASETS_MAX_SITES} sites`);
export type DatasetsBody = z.infer<typeof DatasetsField>;
