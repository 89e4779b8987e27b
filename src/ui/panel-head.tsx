// A panel's title row: its heading and the ✕ button that closes it.

export function PanelHead({
  title,
  onClose,
  closeLabel = 'Close',
}: {
  title: string;
  onClose: () => void;
  closeLabel?: string;
}) {
  return (
    <div className="panel-head">
      <h2>{title}</h2>
      <button type="button" className="btn small ghost" aria-label={closeLabel} onClick={onClose}>
        ✕
      </button>
    </div>
  );
}
