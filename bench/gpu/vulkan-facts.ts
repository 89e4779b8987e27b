// Collects what vulkan-check.ts judges, on the machine the pack runs on: the loader (ldconfig, or the
// pack's bundled lib/), the ICD manifests the loader will read, NVIDIA's libraries, vulkaninfo.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  ICD_DIRS,
  type IcdFile,
  parseIcd,
  parseLdconfig,
  parseVulkaninfoSummary,
  type VulkanFacts,
} from './vulkan-check';

const NVIDIA_LIBS = ['libGLX_nvidia.so.0', 'libnvidia-glcore.so', 'libnvidia-gpucomp.so', 'libcuda.so.1'];

function ldconfig(): Map<string, string> {
  for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = spawnSync(bin, ['-p'], { encoding: 'utf8' });
    if (r.status === 0) return parseLdconfig(r.stdout);
  }
  return new Map();
}

/** The manifests the loader reads: the env's files (or folders), else every *.json in the standard folders. */
function icdPaths(env: NodeJS.ProcessEnv): { paths: string[]; source: string } {
  const named = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  const list = (dirs: string[]) =>
    dirs.flatMap((d) => {
      try {
        return statSync(d).isDirectory()
          ? readdirSync(d)
              .filter((f) => f.endsWith('.json'))
              .sort()
              .map((f) => path.join(d, f))
          : [d];
      } catch {
        return [];
      }
    });
  if (named) {
    const which = env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : 'VK_ICD_FILENAMES';
    return { paths: list(named.split(':').filter(Boolean)), source: `${which}=${named}` };
  }
  const xdg = (env.XDG_DATA_DIRS ?? '')
    .split(':')
    .filter(Boolean)
    .map((d) => path.join(d, 'vulkan/icd.d'));
  const dirs = [...new Set([...ICD_DIRS, ...xdg])];
  return { paths: list(dirs), source: dirs.join(', ') };
}

export function collectVulkanFacts(packDir: string, env: NodeJS.ProcessEnv = process.env): VulkanFacts {
  const libs = ldconfig();
  const ldPath = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  // a bare soname resolves through LD_LIBRARY_PATH first, then ldconfig's cache
  const resolve = (lib: string): string | null => {
    if (lib.includes('/')) return existsSync(lib) ? lib : null;
    for (const d of ldPath) if (existsSync(path.join(d, lib))) return path.join(d, lib);
    return libs.get(lib) ?? null;
  };
  const bundled = path.join(packDir, 'lib', 'libvulkan.so.1');
  const loader = resolve('libvulkan.so.1') ?? (existsSync(bundled) ? bundled : null);
  const { paths, source } = icdPaths(env);
  const icds: IcdFile[] = paths.map((p) => {
    try {
      return parseIcd(p, readFileSync(p, 'utf8'), resolve);
    } catch (e) {
      return parseIcd(p, `unreadable: ${(e as Error).message}`, resolve);
    }
  });
  const nvidiaLibraries = NVIDIA_LIBS.map((l) => resolve(l)).filter((x): x is string => x !== null);
  let vulkaninfo: VulkanFacts['vulkaninfo'] = null;
  const r = spawnSync('vulkaninfo', ['--summary'], { encoding: 'utf8', timeout: 30_000 });
  if (!r.error) {
    vulkaninfo =
      r.status === 0
        ? { devices: parseVulkaninfoSummary(r.stdout) }
        : {
            devices: [],
            error: `exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`,
          };
  }
  return { loader, icds, icdSource: source, nvidiaLibraries, vulkaninfo };
}
