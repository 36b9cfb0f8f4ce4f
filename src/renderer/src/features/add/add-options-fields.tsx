import { useId } from 'react'
import './add-options.css'
import type { AddOptionsField, AddOptionsInput, AddOptionsProblem } from './add-options.ts'

export const addOptionsText = {
  summary: 'More options',
  name: 'File name',
  nameHint: 'Instead of the name the server suggests (one URL only)',
  checksum: 'Checksum',
  checksumHint: 'ALGO=HEX, with sha-256, sha-1 or md5; checked when the download ends',
  referer: 'Referer',
  headers: 'Extra headers',
  headersHint: 'Name: value, one a line',
  user: 'User name',
  password: 'Password',
  credentialsHint: 'Sent to this server only; the password is never shown again',
} as const

/**
 * The add dialog's options beyond the list (a disclosure, closed by default so the dialog
 * stays short at 200 % zoom): a file name and checksum while the list is one URL, a Referer,
 * extra headers, and credentials. Each field says its own problem (`aria-invalid`, described).
 */
export function AddOptionsFields(props: {
  readonly value: AddOptionsInput
  readonly onChange: (value: AddOptionsInput) => void
  readonly problems: readonly AddOptionsProblem[]
  readonly single: boolean
  readonly open: boolean
  readonly onToggle: (open: boolean) => void
}) {
  const base = useId()
  const { value, onChange, problems, single } = props
  const problemOf = (field: AddOptionsField) => problems.filter((p) => p.field === field)
  const field = (
    key: AddOptionsField,
    label: string,
    options: { hint?: string; type?: 'password'; multiline?: boolean; placeholder?: string } = {},
  ) => {
    const id = `${base}-${key}`
    const own = problemOf(key)
    const described = [
      ...(options.hint ? [`${id}-hint`] : []),
      ...own.map((_, i) => `${id}-problem-${i}`),
    ].join(' ')
    const common = {
      id,
      className: options.multiline ? 'input add-form__headers' : 'input',
      value: value[key],
      spellCheck: false,
      autoComplete: key === 'password' ? 'new-password' : 'off',
      placeholder: options.placeholder,
      'aria-invalid': own.length > 0,
      'aria-describedby': described === '' ? undefined : described,
    }
    return (
      <div className="field">
        <label className="field__label" htmlFor={id}>
          {label}
        </label>
        {options.multiline ? (
          <textarea
            {...common}
            rows={3}
            wrap="off"
            onChange={(event) => onChange({ ...value, [key]: event.target.value })}
          />
        ) : (
          <input
            {...common}
            type={options.type ?? 'text'}
            onChange={(event) => onChange({ ...value, [key]: event.target.value })}
          />
        )}
        {options.hint && (
          <span id={`${id}-hint`} className="field__hint">
            {options.hint}
          </span>
        )}
        {own.map((problem, i) => (
          <span key={problem.message} id={`${id}-problem-${i}`} className="field-error">
            {problem.message}
          </span>
        ))}
      </div>
    )
  }
  return (
    <details
      className="add-form__options"
      open={props.open}
      onToggle={(event) => props.onToggle(event.currentTarget.open)}
    >
      <summary>{addOptionsText.summary}</summary>
      <div className="add-form__option-grid">
        {single && field('name', addOptionsText.name, { hint: addOptionsText.nameHint })}
        {single &&
          field('checksum', addOptionsText.checksum, {
            hint: addOptionsText.checksumHint,
            placeholder: 'sha-256=…',
          })}
        {field('referer', addOptionsText.referer, { placeholder: 'https://' })}
        {field('headers', addOptionsText.headers, {
          hint: addOptionsText.headersHint,
          multiline: true,
        })}
        {field('user', addOptionsText.user)}
        {field('password', addOptionsText.password, {
          type: 'password',
          hint: addOptionsText.credentialsHint,
        })}
      </div>
    </details>
  )
}
