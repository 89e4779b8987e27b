// This CPU's fp32 peak on paper, printed by `npm run bench -- inference` beside the peak it measures.

import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * The fp32 peak on paper, beside the measured one: 64 FLOP per cycle per core (two 512-bit FMA
 * pipes, 16 lanes × 2 FLOPs each: Zen 5 / AVX-512 server cores, as here) × clock × cores.
 */
export function paperPeak(): { gflopPerSecond: number | null; assumption: string } {
  let mhz: number | null = null;
  try {
    mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]) || null;
  } catch {}
  const cores = os.cpus().length;
  return {
    gflopPerSecond: mhz ? Math.round((64 * mhz * cores) / 1000) : null,
    assumption: `64 FLOP/cycle/core (2 × 512-bit FMA) × ${mhz ?? '?'} MHz × ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'})`,
  };
}
