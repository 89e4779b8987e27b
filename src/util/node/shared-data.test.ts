import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SHARED_FILES, SHARED_ROOT, sharedAvailable, sharedPath, sharedSkipReason } from './shared-data';

describe('../shared paths', () => {
  afterEach(() => vi.restoreAllMocks());

  it('resolve beside the repository root, whatever the working directory', () => {
    expect(SHARED_ROOT).toBe(new URL('../../../../shared', import.meta.url).pathname.replace(/\/$/, ''));
    expect(sharedPath('cmuSvs')).toBe(`${SHARED_ROOT}/${SHARED_FILES.cmuSvs}`);
    expect(sharedPath('dicomSamples', 'hd_sm_image.dcm')).toBe(
      `${SHARED_ROOT}/formats/dicom/hd_sm_image.dcm`,
    );
  });

  it('report a skip once, naming the test and the absent file, and say nothing when present', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const present = existsSync(sharedPath('cmuSvs'));
    expect(sharedAvailable('a test needing the SVS', 'cmuSvs')).toBe(present);
    expect(sharedAvailable('a test needing the SVS', 'cmuSvs')).toBe(present);
    if (present) {
      expect(sharedSkipReason('cmuSvs')).toBe('');
      expect(write).not.toHaveBeenCalled();
    } else {
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0][0])).toBe(
        'skipped: a test needing the SVS: needs ../shared/slides/cmu-1-small-region.svs (absent)\n',
      );
    }
  });
});
