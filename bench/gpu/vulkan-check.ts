// Is there a Vulkan driver Dawn can use? The pure half: parse what the machine shows (ICD manifests,
// `ldconfig -p`, `vulkaninfo --summary`) and say yes, or exactly why not. The GPU pack's bundle
// collects the facts (vulkan-facts.ts) before it starts Dawn; bench/gpu/vulkan-check.test.ts.

export interface IcdFile {
  path: string;
  /** ICD.library_path as written (a bare name is looked up by the dynamic loader) */
  libraryPath: string | null;
  apiVersion: string | null;
  /** where the library was found (the path itself when absolute, else ldconfig's), null: not found */
  resolved: string | null;
  driver: 'nvidia' | 'lavapipe' | 'other';
  error?: string;
}

export interface VulkanDevice {
  name: string;
  type: string;
  driver: string;
  apiVersion: string;
}

export interface VulkanFacts {
  /** libvulkan.so.1, the loader Dawn opens: where found, or null */
  loader: string | null;
  /** the ICD manifests the loader will read (VK_DRIVER_FILES / VK_ICD_FILENAMES, else the standard folders) */
  icds: IcdFile[];
  icdSource: string;
  /** NVIDIA's driver libraries the dynamic loader sees */
  nvidiaLibraries: string[];
  /** parsed `vulkaninfo --summary` (null: vulkaninfo not installed or it failed) */
  vulkaninfo: { devices: VulkanDevice[]; error?: string } | null;
}

export interface VulkanVerdict {
  ok: boolean;
  /** the first thing missing, in words; absent when ok */
  reason?: string;
  /** the driver Dawn should find: nvidia, lavapipe (a CPU driver), other */
  driver?: IcdFile['driver'];
}

/** Standard ICD manifest folders of the Vulkan loader on Linux, plus where NVIDIA's container mounts put it. */
export const ICD_DIRS = [
  '/etc/vulkan/icd.d',
  '/usr/local/etc/vulkan/icd.d',
  '/usr/share/vulkan/icd.d',
  '/usr/local/share/vulkan/icd.d',
];
/** Not searched by the loader: run.sh names it in VK_DRIVER_FILES when nothing else is there. */
export const NVIDIA_MOUNT_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';

export function driverOf(libraryPath: string | null): IcdFile['driver'] {
  if (!libraryPath) return 'other';
  if (/nvidia/i.test(libraryPath)) return 'nvidia';
  if (/lvp|lavapipe/i.test(libraryPath)) return 'lavapipe';
  return 'other';
}

/** `ldconfig -p` lines → soname → path (the first, as the loader picks). */
export function parseLdconfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)/.exec(line);
    if (m && (!m[2].includes(',') || /x86-64|AArch64/.test(m[2])) && !out.has(m[1])) out.set(m[1], m[3]);
  }
  return out;
}

/** One ICD manifest's text → its library and API version (or the parse error). */
export function parseIcd(path: string, text: string, resolve: (lib: string) => string | null): IcdFile {
  try {
    const j = JSON.parse(text) as { ICD?: { library_path?: string; api_version?: string } };
    const lib = j.ICD?.library_path ?? null;
    return {
      path,
      libraryPath: lib,
      apiVersion: j.ICD?.api_version ?? null,
      resolved: lib ? resolve(lib) : null,
      driver: driverOf(lib),
      ...(lib ? {} : { error: 'no ICD.library_path' }),
    };
  } catch (e) {
    return {
      path,
      libraryPath: null,
      apiVersion: null,
      resolved: null,
      driver: 'other',
      error: `not JSON: ${(e as Error).message}`,
    };
  }
}

/** `vulkaninfo --summary`'s Devices section → one entry per GPUn block. */
export function parseVulkaninfoSummary(text: string): VulkanDevice[] {
  const devices: VulkanDevice[] = [];
  const at = text.indexOf('Devices:');
  if (at < 0) return devices;
  let cur: Record<string, string> | null = null;
  const flush = () => {
    if (cur)
      devices.push({
        name: cur.deviceName ?? '',
        type: (cur.deviceType ?? '').replace(/^PHYSICAL_DEVICE_TYPE_/, ''),
        driver: cur.driverName ?? cur.driverID ?? '',
        apiVersion: cur.apiVersion ?? '',
      });
  };
  for (const line of text.slice(at).split('\n')) {
    if (/^GPU\d+:/.test(line.trim())) {
      flush();
      cur = {};
      continue;
    }
    const m = /^\s+(\w+)\s*=\s*(.*)$/.exec(line);
    if (cur && m) cur[m[1]] = m[2].trim();
  }
  flush();
  return devices;
}

/** The facts → can Dawn's Vulkan backend find a device, and if not, the first reason why. */
export function vulkanVerdict(f: VulkanFacts): VulkanVerdict {
  if (!f.loader)
    return {
      ok: false,
      reason:
        'no Vulkan loader: libvulkan.so.1 is neither known to ldconfig nor bundled in the pack (lib/libvulkan.so.1)',
    };
  if (f.icds.length === 0)
    return {
      ok: false,
      reason: `no Vulkan ICD: no driver manifest (*.json) in ${f.icdSource}${f.nvidiaLibraries.length > 0 ? `, although NVIDIA libraries are present (${f.nvidiaLibraries.join(', ')})` : ''}`,
    };
  const usable = f.icds.filter((i) => i.resolved);
  if (usable.length === 0)
    return {
      ok: false,
      reason: `no Vulkan ICD whose library loads: ${f.icds
        .map(
          (i) =>
            `${i.path} names ${i.libraryPath ?? '(nothing)'}${i.error ? ` (${i.error})` : ', not found'}`,
        )
        .join('; ')}`,
    };
  if (f.vulkaninfo && !f.vulkaninfo.error && f.vulkaninfo.devices.length === 0)
    return { ok: false, reason: 'vulkaninfo lists no Vulkan device although an ICD is installed' };
  const driver = usable.some((i) => i.driver === 'nvidia')
    ? 'nvidia'
    : usable.some((i) => i.driver === 'lavapipe')
      ? 'lavapipe'
      : 'other';
  return { ok: true, driver };
}
