/** Short messages in a live region, so screen readers announce them too. */

/** One message. */
export interface Toast {
  id: number;
  message: string;
  kind: 'info' | 'error';
}

/** The message stack. */
export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} class={`toast ${toast.kind}`}>
          <span>{toast.message}</span>
          <button type="button" class="link" aria-label="Dismiss message" onClick={() => onDismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
