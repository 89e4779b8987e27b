import { describe, expect, it } from 'vitest';
import {
  driverOf,
  parseIcd,
  parseLdconfig,
  parseVulkaninfoSummary,
  type VulkanFacts,
  vulkanVerdict,
} from './vulkan-check';

// `ldconfig -p` as printed on Debian (tab-indented, arch in parentheses)
const LDCONFIG = `1234 libs found in cache \`/etc/ld.so.cache'
\tlibvulkan.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so.1
\tlibvulkan.so.1 (libc6) => /lib/i386-linux-gnu/libvulkan.so.1
\tlibGLX_nvidia.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0
`;

// the Devices part of `vulkaninfo --summary` (Mesa 25 lavapipe), with an NVIDIA device after it
const SUMMARY = `==========
VULKANINFO
==========
Vulkan Instance Version: 1.3.239

Devices:
========
GPU0:
\tapiVersion         = 1.4.305
\tdriverVersion      = 0.0.1
\tdeviceType         = PHYSICAL_DEVICE_TYPE_CPU
\tdeviceName         = llvmpipe (LLVM 15.0.6, 256 bits)
\tdriverID           = DRIVER_ID_MESA_LLVMPIPE
\tdriverName         = llvmpipe
GPU1:
\tapiVersion         = 1.4.312
\tdeviceType         = PHYSICAL_DEVICE_TYPE_DISCRETE_GPU
\tdeviceName         = NVIDIA H200
\tdriverName         = NVIDIA
`;

const NVIDIA_ICD =
  '{"file_format_version":"1.0.1","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.4.312"}}';

const facts = (over: Partial<VulkanFacts>): VulkanFacts => ({
  loader: '/lib/x86_64-linux-gnu/libvulkan.so.1',
  icds: [],
  icdSource: '/etc/vulkan/icd.d, /usr/share/vulkan/icd.d',
  nvidiaLibraries: [],
  vulkaninfo: null,
  ...over,
});

describe('vulkan check', () => {
  it('reads the 64-bit entries of ldconfig -p', () => {
    const libs = parseLdconfig(LDCONFIG);
    expect(libs.get('libvulkan.so.1')).toBe('/lib/x86_64-linux-gnu/libvulkan.so.1');
    expect(libs.get('libGLX_nvidia.so.0')).toBe('/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0');
    expect(libs.has('libcuda.so.1')).toBe(false);
  });

  it('parses ICD manifests and tells the driver by its library', () => {
    const libs = parseLdconfig(LDCONFIG);
    const nv = parseIcd('/usr/share/vulkan/icd.d/nvidia_icd.json', NVIDIA_ICD, (l) => libs.get(l) ?? null);
    expect(nv).toMatchObject({ libraryPath: 'libGLX_nvidia.so.0', apiVersion: '1.4.312', driver: 'nvidia' });
    expect(nv.resolved).toBe('/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0');
    expect(driverOf('/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so')).toBe('lavapipe');
    expect(driverOf('libvulkan_radeon.so')).toBe('other');
    const bad = parseIcd('/etc/vulkan/icd.d/x.json', '{"ICD": ', () => null);
    expect(bad.error).toMatch(/not JSON/);
  });

  it('parses the devices of vulkaninfo --summary', () => {
    expect(parseVulkaninfoSummary(SUMMARY)).toEqual([
      { name: 'llvmpipe (LLVM 15.0.6, 256 bits)', type: 'CPU', driver: 'llvmpipe', apiVersion: '1.4.305' },
      { name: 'NVIDIA H200', type: 'DISCRETE_GPU', driver: 'NVIDIA', apiVersion: '1.4.312' },
    ]);
    expect(parseVulkaninfoSummary('ERROR: no devices')).toEqual([]);
  });

  it('says exactly what is missing, in order: loader, ICD, its library, a device', () => {
    expect(vulkanVerdict(facts({ loader: null })).reason).toMatch(/no Vulkan loader: libvulkan\.so\.1/);
    const noIcd = vulkanVerdict(facts({ nvidiaLibraries: ['/usr/local/nvidia/lib64/libGLX_nvidia.so.0'] }));
    expect(noIcd.ok).toBe(false);
    expect(noIcd.reason).toMatch(/^no Vulkan ICD: no driver manifest .* in \/etc\/vulkan\/icd\.d/);
    expect(noIcd.reason).toMatch(/NVIDIA libraries are present/);
    const unresolved = parseIcd('/etc/vulkan/icd.d/nvidia_icd.json', NVIDIA_ICD, () => null);
    expect(vulkanVerdict(facts({ icds: [unresolved] })).reason).toMatch(
      /no Vulkan ICD whose library loads: .*nvidia_icd\.json names libGLX_nvidia\.so\.0, not found/,
    );
    const nv = parseIcd('/etc/vulkan/icd.d/nvidia_icd.json', NVIDIA_ICD, (l) => `/lib/${l}`);
    expect(vulkanVerdict(facts({ icds: [nv], vulkaninfo: { devices: [] } })).reason).toMatch(
      /lists no Vulkan device/,
    );
    expect(
      vulkanVerdict(facts({ icds: [nv], vulkaninfo: { devices: parseVulkaninfoSummary(SUMMARY) } })),
    ).toEqual({
      ok: true,
      driver: 'nvidia',
    });
    // vulkaninfo missing (null) or failing does not veto: Dawn itself is the judge then
    expect(vulkanVerdict(facts({ icds: [nv], vulkaninfo: { devices: [], error: 'exit 1' } })).ok).toBe(true);
  });
});
