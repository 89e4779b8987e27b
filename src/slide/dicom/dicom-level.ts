// One native level of a DICOM slide as the pyramid's LevelTiles: tile (x, y) → its frame (from
// the level's tile map) → bytes (files or DICOMweb) → pixels. Tiles a sparse level leaves out are
// background; JPEG frames also feed the viewer's bitmap fast paths.

import type { LevelTiles, TileCounters } from '../level-tiles';
import { type CodecEnv, decodeFrame, dicomJpegStream, type FrameFormat, sniffCodec } from './dicom-codec';
import type { DicomLevelPlan } from './dicom-series';

/** Where frames come from: local files or a DICOMweb server. */
export interface FrameSource {
  /** bytes of frame `frame` (0-based) of instance `instance` */
  frame(instance: number, frame: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** a frame as Blob parts still in its file (one-fragment frames of local files), else null */
  frameParts?(instance: number, frame: number): BlobPart[] | null;
  close(): void;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class DicomTileLevel implements LevelTiles {
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;

  constructor(
    private readonly plan: DicomLevelPlan,
    private readonly formats: (FrameFormat | undefined)[],
    private readonly frames: FrameSource,
    private readonly env: CodecEnv,
    private readonly counters: TileCounters,
  ) {
    this.width = plan.width;
    this.height = plan.height;
    this.tileWidth = plan.tileWidth;
    this.tileHeight = plan.tileHeight;
    // only levels that can be JPEG offer the fast paths
    const codecs = new Set(plan.instances.map((i) => formats[i]?.codec));
    if (!codecs.has('jpeg') && !codecs.has('sniff')) {
      this.jpegStream = undefined;
      this.jpegParts = undefined;
    }
  }

  private ref(x: number, y: number) {
    const ref = this.plan.tiles.get(y * this.plan.tilesAcross + x);
    return ref ? { ...ref, format: this.formats[ref.instance] as FrameFormat } : null;
  }

  private async bytes(instance: number, frame: number, signal?: AbortSignal): Promise<Uint8Array> {
    const b = await this.frames.frame(instance, frame, signal);
    this.counters.bytesRead += b.byteLength;
    return b;
  }

  async decodeTile(x: number, y: number, signal: AbortSignal) {
    const ref = this.ref(x, y);
    if (!ref) return null; // not in a sparse level: background
    const bytes = await this.bytes(ref.instance, ref.frame, signal);
    const t0 = now();
    const img = await decodeFrame(bytes, ref.format, this.env, signal);
    this.counters.noteDecode(now() - t0);
    return img;
  }

  jpegStream? = async (x: number, y: number, signal?: AbortSignal): Promise<Uint8Array | null> => {
    const ref = this.ref(x, y);
    if (!ref || (ref.format.codec !== 'jpeg' && ref.format.codec !== 'sniff')) return null;
    const bytes = await this.bytes(ref.instance, ref.frame, signal);
    if (ref.format.codec === 'sniff' && sniffCodec(bytes) !== 'jpeg') return null;
    return dicomJpegStream(bytes, ref.format);
  };

  jpegParts? = (x: number, y: number): BlobPart[] | null => {
    const ref = this.ref(x, y);
    // RGB-labelled frames need their markers looked at first (dicomJpegStream)
    if (ref?.format.codec !== 'jpeg' || ref.format.photometric === 'RGB') return null;
    return this.frames.frameParts?.(ref.instance, ref.frame) ?? null;
  };
}
