// What each step of the GPU pack's run.sh left, in words: its JSON, or why there is none (skipped after
// the Vulkan check, a timeout, a crash with its signal), with Dawn's own warnings where it found no
// adapter. Pure (the texts are read by pack-main.ts); bench/gpu/step-outcome.test.ts.

import type { GpuReportInput } from './gpu-report';
import type { VulkanVerdict } from './vulkan-check';
import type { WebgpuResult } from './webgpu-measure';

/** The log's last non-blank lines, one string (the loader's XDG_RUNTIME_DIR noise left out). */
export function lastLines(text: string, n = 6): string {
  return text
    .split('\n')
    .filter((l) => l.trim() && !/XDG_RUNTIME_DIR/.test(l))
    .slice(-n)
    .join(' | ');
}

/** Dawn's native warnings and errors in a log (why an adapter was refused), less its notices. */
export function dawnSaid(text: string): string {
  return text
    .split('\n')
    .filter(
      (l) =>
        /^(Warning|Error)|While |no suitable/i.test(l) && !/artificially reduced|XDG_RUNTIME_DIR/.test(l),
    )
    .slice(0, 6)
    .join(' | ');
}

/** `rc` as run.sh wrote it: timeout's 124, a signal past 128, else the code. */
export function exitWords(rc: string): string {
  const n = Number(rc);
  if (n === 124) return 'a timeout (124)';
  return n > 128 ? `code ${n} (signal ${n - 128})` : `code ${rc}`;
}

export function webgpuOutcome(s: {
  result: WebgpuResult | null;
  /** what the step had measured when it was cut short (written after each tile) */
  partial?: WebgpuResult | null;
  verdict: VulkanVerdict | null;
  /** the step's exit status, null when run.sh skipped it */
  rc: string | null;
  log: string;
}): GpuReportInput['webgpu'] {
  const dawn = dawnSaid(s.log);
  if (s.result)
    return !s.result.ok && dawn
      ? { ...s.result, reason: `${s.result.reason}. Dawn said: ${dawn}` }
      : s.result;
  if (!s.verdict) return { ok: false, reason: 'the Vulkan check did not run' };
  if (!s.verdict.ok) return { ok: false, reason: `not run: ${s.verdict.reason}` };
  if (s.rc === null) return { ok: false, reason: 'not run' };
  if (s.partial?.ok)
    return {
      ...s.partial,
      incomplete: `the WebGPU run exited with ${exitWords(s.rc)} before it finished: the rows it had measured are kept`,
    };
  return {
    ok: false,
    reason: `the WebGPU run exited with ${exitWords(s.rc)} and wrote no result; its last log lines: ${lastLines(s.log)}`,
  };
}

export function torchOutcome(s: {
  result: Exclude<GpuReportInput['torch'], { error: string }> | null;
  rc: string | null;
  log: string;
}): GpuReportInput['torch'] {
  if (s.result) return s.result;
  return {
    error: `PyTorch ${s.rc === null ? 'did not run' : `exited with ${exitWords(s.rc)}`} and wrote no result; its last log lines: ${lastLines(s.log)}`,
  };
}
