import { describe, expect, it } from 'vitest';
import {
  checkpointAtS,
  checkpointIntervalS,
  checkpointsDoneBy,
  finishAtS,
  nextCheckpointAfterS,
  savedAtS,
  wallForWorkS,
  workAtS,
  type ProgressSegment,
} from './progress.js';

// speed 0.5, a checkpoint of 10 s after every 100 s of compute, 30 s of startup, 1000 s of work from 200
const seg: ProgressSegment = {
  startS: 1000,
  startupS: 30,
  baseWorkS: 200,
  savedWorkS: 200,
  speed: 0.5,
  intervalS: 100,
  checkpointS: 10,
  totalWorkS: 1000,
};

describe('progress segments', () => {
  it('does no work during the startup and none during a checkpoint pause', () => {
    expect(workAtS(seg, 1000)).toBe(200);
    expect(workAtS(seg, 1030)).toBe(200);
    expect(workAtS(seg, 1130)).toBe(250); // 100 s of compute at 0.5
    expect(workAtS(seg, 1135)).toBe(250); // writing the first checkpoint
    expect(workAtS(seg, 1150)).toBe(255); // 5 s into the second interval
  });

  it('saves work only when a checkpoint completes, counting it at its own instant', () => {
    expect(savedAtS(seg, 1139.999)).toBe(200);
    const first = checkpointAtS(seg, 1)!;
    expect(first).toBe(1140);
    expect(savedAtS(seg, first)).toBe(250);
    expect(checkpointsDoneBy(seg, first)).toBe(1);
    // an instant computed by adding periods one at a time still sees the checkpoint
    let t = seg.startS + seg.startupS;
    for (let k = 0; k < 7; k++) t += seg.intervalS + seg.checkpointS;
    expect(checkpointsDoneBy(seg, t)).toBe(7);
  });

  it('finishes after the work / speed plus the pauses before the end (none at the very end)', () => {
    // 800 s of work at 0.5 = 1600 s of compute = 16 intervals: 15 pauses
    expect(wallForWorkS(seg, 800)).toBe(1600 + 15 * 10);
    expect(finishAtS(seg)).toBe(1000 + 30 + 1750);
    expect(workAtS(seg, finishAtS(seg))).toBe(1000);
    expect(checkpointAtS(seg, 16)).toBeNull(); // would land on the end
    expect(checkpointAtS(seg, 15)).toBe(1030 + 15 * 110);
  });

  it('keeps the saved work of a re-rated segment until its first checkpoint', () => {
    const rerated = { ...seg, startupS: 0, baseWorkS: 300, savedWorkS: 250 };
    expect(savedAtS(rerated, 1050)).toBe(250);
    expect(savedAtS(rerated, 1110)).toBe(350);
  });

  it('finds the next checkpoint after a time, for drains', () => {
    expect(nextCheckpointAfterS(seg, 1031)).toBe(1140);
    expect(nextCheckpointAfterS(seg, 1140)).toBe(1250);
    expect(nextCheckpointAfterS({ ...seg, intervalS: Infinity }, 1031)).toBeNull();
  });

  it('never checkpoints a job that does not, or whose checkpoint is free; Young/Daly otherwise', () => {
    const base = { checkpointable: true, checkpointS: 50, failuresPerGpuHour: 1e-4, gpus: 1000 };
    expect(checkpointIntervalS({ ...base, checkpointable: false })).toBe(Infinity);
    expect(checkpointIntervalS({ ...base, checkpointS: 0 })).toBe(Infinity);
    expect(checkpointIntervalS({ ...base, fixedIntervalS: 600 })).toBe(600);
    // MTBF = 3600 / (1e-4 x 1000) = 36,000 s; sqrt(2 x 50 x 36,000) = 1897.4 s
    expect(checkpointIntervalS(base)).toBeCloseTo(1897.37, 1);
  });
});
