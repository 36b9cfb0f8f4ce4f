export type DialogFooterProps = {
  /** The button that closes the dialog without doing anything. */
  readonly cancelLabel: string
  readonly onCancel: () => void
  /** The form's submit button: what the dialog does. */
  readonly submitLabel: string
  /**
   * Shown as disabled with `aria-disabled`, not `disabled`: the button stays focusable and
   * announced, and the form's submit handler (or a `required` field) refuses the submit itself.
   * Undefined: the attribute is left out.
   */
  readonly submitDisabled?: boolean
  /** `danger` for a dialog whose action cannot be taken back (Remove). */
  readonly tone?: 'primary' | 'danger'
  /** Marks the submit button `data-confirm`, for ModalDialog's `initialFocus`. */
  readonly confirm?: boolean
  /** Extra class on the footer (the add dialog's is sticky). */
  readonly className?: string
}

/** The row of buttons at the foot of a form dialog: Cancel, then the form's submit button. */
export function DialogFooter({
  cancelLabel,
  onCancel,
  submitLabel,
  submitDisabled,
  tone = 'primary',
  confirm = false,
  className,
}: DialogFooterProps) {
  return (
    <div className={className === undefined ? 'modal__footer' : `modal__footer ${className}`}>
      <button type="button" className="button" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button
        type="submit"
        className={`button button--${tone}`}
        aria-disabled={submitDisabled}
        data-confirm={confirm || undefined}
      >
        {submitLabel}
      </button>
    </div>
  )
}
