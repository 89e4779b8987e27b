// One heatmap overlay on a SlideViewer: an OSD tiled image over the slide, rendered from whatever
// `content()` returns when a tile is drawn (a probability or difference field, plus the ground-truth
// outline on top), refreshed as patches land.
//
// Usage:
//   const layer = new HeatmapLayer(viewer, () => ({ sampler: storeSampler(store), style, truth }));
//   layer.setVisible(true);
//   layer.refresh();       // after new patches or a style change (throttled)
//
// Refresh is double-buffered: a new tiled image (new cache keys) is loaded hidden (opacity 0,
// preload) and shown in place of the old one once it has the view's tiles, so the overlay never
// blinks (nor doubles its opacity) while patches stream in.

import type OpenSeadragon from 'openseadragon';
import { HeatmapTileSource } from './heatmap-tile-source';
import { type LayerContent, renderLayerTile } from './layer-tile';
import type { SlideViewer } from './viewer-controller';

export type { LayerContent };

const REFRESH_MS = 250;
const SWAP_TIMEOUT_MS = 1500;

export class HeatmapLayer {
  /** tiled images this layer added, oldest first; all but the newest drawn one are on their way out */
  private items: OpenSeadragon.TiledImage[] = [];
  private shown: OpenSeadragon.TiledImage | null = null;
  private visible = false;
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastRefresh = 0;
  private loading = false;
  private dirty = false;
  /** tiles rendered so far (for tests and stats) */
  tilesRendered = 0;

  constructor(
    private readonly viewer: SlideViewer,
    private readonly content: () => LayerContent | null,
  ) {
    // osd.open() (a new slide) removes every item; put the overlay back on the new slide
    viewer.osd.addHandler('open', () => {
      this.forget();
      if (this.visible) this.add();
    });
    viewer.osd.addHandler('close', () => this.forget());
  }

  /** For tests and the API: overlay items in the viewer, tiles rendered so far. */
  info(): { visible: boolean; items: number; worldItems: number; tilesRendered: number } {
    return {
      visible: this.visible,
      items: this.items.length,
      worldItems: this.viewer.osd.world.getItemCount(),
      tilesRendered: this.tilesRendered,
    };
  }

  get isVisible(): boolean {
    return this.visible;
  }

  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) this.add();
    else this.removeAll();
  }

  /** Re-renders the overlay soon (at most every REFRESH_MS). */
  refresh(): void {
    if (!this.visible || this.timer) return;
    const wait = Math.max(0, this.lastRefresh + REFRESH_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRefresh = performance.now();
      if (this.loading)
        this.dirty = true; // the swap in flight refreshes again when done
      else this.add();
    }, wait);
  }

  private forget(): void {
    this.items = [];
    this.shown = null;
    this.loading = false;
  }

  private slideItem(): OpenSeadragon.TiledImage | null {
    const world = this.viewer.osd.world;
    return this.viewer.slide && world.getItemCount() > 0 ? world.getItemAt(0) : null;
  }

  private remove(item: OpenSeadragon.TiledImage): void {
    const world = this.viewer.osd.world;
    if (world.getIndexOfItem(item) >= 0) world.removeItem(item);
    this.items = this.items.filter((i) => i !== item);
    if (this.shown === item) this.shown = null;
  }

  private add(): void {
    const slideItem = this.slideItem();
    const slide = this.viewer.slide;
    if (!slideItem || !slide) return;
    const { width, height } = slide.metadata;
    const bounds = slideItem.getBounds();
    const source = new HeatmapTileSource({
      width,
      height,
      generation: ++this.generation,
      render: (region) => {
        const c = this.content();
        this.tilesRendered++;
        return c
          ? renderLayerTile(c, region)
          : {
              width: region.width,
              height: region.height,
              data: new Uint8ClampedArray(region.width * region.height * 4),
            };
      },
    });
    this.loading = true;
    this.viewer.osd.addTiledImage({
      tileSource: source as unknown as OpenSeadragon.TileSourceSpecifier,
      x: bounds.x,
      y: bounds.y,
      width: bounds.width,
      // hidden but loading until it replaces the old one: two translucent layers would add up
      opacity: 0,
      preload: true,
      success: (e: { item: OpenSeadragon.TiledImage }) => {
        const item = e.item;
        if (!this.visible || this.slideItem() !== slideItem) {
          this.loading = false;
          if (this.viewer.osd.world.getIndexOfItem(item) >= 0) this.viewer.osd.world.removeItem(item);
          return;
        }
        this.items.push(item);
        let swapped = false;
        const swap = () => {
          if (swapped) return;
          swapped = true;
          clearTimeout(timeout);
          this.loading = false;
          if (!this.items.includes(item)) return; // removed meanwhile
          // everything older than this one goes
          item.setOpacity(1);
          for (const old of this.items.slice(0, this.items.indexOf(item))) this.remove(old);
          this.shown = item;
          if (this.dirty) {
            this.dirty = false;
            this.refresh();
          }
        };
        const timeout = setTimeout(swap, SWAP_TIMEOUT_MS);
        if (item.getFullyLoaded()) swap();
        else item.addOnceHandler('fully-loaded-change', swap);
      },
      error: () => {
        this.loading = false;
      },
    } as unknown as Parameters<OpenSeadragon.Viewer['addTiledImage']>[0]);
  }

  private removeAll(): void {
    for (const it of [...this.items]) this.remove(it);
    this.loading = false;
  }

  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.removeAll();
  }
}
