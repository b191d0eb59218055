/** A modal confirmation for destructive actions (native <dialog>: focus trap and Escape for free). */
import { useEffect, useRef } from 'preact/hooks';
import type { ConfirmRequest } from '../context.ts';

/** Shows `request` until the user answers. */
export function ConfirmDialog({
  request,
  onAnswer,
}: {
  request: ConfirmRequest;
  onAnswer: (ok: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(event) => {
        event.preventDefault();
        onAnswer(false);
      }}
    >
      <h2 id="confirm-title">{request.title}</h2>
      <p id="confirm-body">{request.body}</p>
      <div class="actions">
        <button type="button" onClick={() => onAnswer(false)}>
          Keep
        </button>
        <button type="button" class={request.danger ? 'danger' : 'primary'} onClick={() => onAnswer(true)}>
          {request.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
