import { setState } from '../state/app-store';
import { useAppStore } from '../state/use-app-store';

export function StatusBanner({ onRetryTiles }: { onRetryTiles(): void }) {
  const notice = useAppStore((s) => s.notice);
  const status = useAppStore((s) => s.status);
  const loadingLabel = useAppStore((s) => s.loadingLabel);

  if (notice) {
    return (
      <div
        className={`banner ${notice.kind}`}
        role={notice.kind === 'error' ? 'alert' : 'status'}
        data-testid="banner"
      >
        <span className="banner-icon" aria-hidden>
          {notice.kind === 'error' ? '⛔' : notice.kind === 'warning' ? '⚠' : 'ℹ'}
        </span>
        <span className="banner-text" data-testid="banner-text">
          {notice.message}
        </span>
        {notice.retryTiles ? (
          <button type="button" className="btn small" onClick={onRetryTiles}>
            Retry
          </button>
        ) : null}
        <button
          type="button"
          className="btn small ghost"
          aria-label="Dismiss"
          onClick={() => setState({ notice: null })}
        >
          ✕
        </button>
      </div>
    );
  }
  if (status === 'loading') {
    return (
      <div className="banner info" role="status" data-testid="banner-loading">
        <span className="spinner" aria-hidden />
        <span className="banner-text">Opening {loadingLabel ?? 'slide'}…</span>
      </div>
    );
  }
  return null;
}
